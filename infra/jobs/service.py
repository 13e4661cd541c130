"""Submitting, reading, following and cancelling jobs."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.errors import Conflict, NotFound
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job, JobEvent
from infra.jobs.registry import kind_of
from infra.jobs.runner import TransactionalBackend, get_backend, hand_over
from infra.jobs.transitions import move
from infra.schemas import Page, PageParams
from infra.serialization import json_safe
from infra.tenancy.scope import Scope


class Submitter(Protocol):
    """Who submits a job (``infra.audit.actor.Actor`` is one): the job layer needs no more,
    and so does not import the audit package (whose verify job imports the job layer)."""

    @property
    def username(self) -> str: ...

    @property
    def user_id(self) -> int | None: ...


def submit_job(
    session: Session,
    *,
    kind: str,
    title: str,
    params: dict[str, Any],
    actor: Submitter,
    department_id: int | None = None,
) -> Job:
    """Queue a job in the caller's transaction: the embedded backend gets it once that
    transaction commits, the Procrastinate backend's task is written in that same transaction;
    either way a rolled-back request never leaves work running, and a committed one never
    loses its job."""
    spec = kind_of(kind)
    if spec is None:
        raise NotFound("job kind", kind)
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        title=title,
        status=JobStatus.QUEUED,
        progress=0,
        params=json_safe(params),
        department_id=department_id,
        created_by=actor.username,
        created_by_id=actor.user_id,
        cancel_requested=False,
        attempts=0,
        queue=spec.queue,
    )
    session.add(job)
    session.flush()
    hand_over(session, job)
    return job


def _visible(scope: Scope, user_id: int | None) -> Any:
    if scope.is_global:
        return None
    clauses = [scope.where(Job.department_id)]
    if user_id is not None:
        clauses.append(Job.created_by_id == user_id)
    return or_(*clauses)


def get_job(session: Session, *, scope: Scope, job_id: str, user_id: int | None = None) -> Job:
    """The job, if it belongs to a visible department or was started by ``user_id``."""
    job = session.get(Job, job_id)
    visible = job is not None and (
        scope.allows(job.department_id) or (user_id is not None and job.created_by_id == user_id)
    )
    if job is None or not visible:
        raise NotFound("job", job_id)
    return job


def list_jobs(
    session: Session,
    *,
    scope: Scope,
    page: PageParams,
    user_id: int | None = None,
    status: JobStatus | None = None,
) -> Page[Job]:
    query = select(Job)
    visible = _visible(scope, user_id)
    if visible is not None:
        query = query.where(visible)
    if status is not None:
        query = query.where(Job.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id).limit(page.limit).offset(page.offset)
    ).all()
    return Page(items=list(rows), total=total, limit=page.limit, offset=page.offset)


def events_after(
    session: Session, *, job_id: str, after: int = 0, limit: int = 500
) -> list[JobEvent]:
    """The job's events with ``seq > after``, in order."""
    return list(
        session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.seq > after)
            .order_by(JobEvent.seq)
            .limit(limit)
        )
    )


def cancel_job(session: Session, *, scope: Scope, job_id: str, user_id: int | None = None) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    job = get_job(session, scope=scope, job_id=job_id, user_id=user_id)
    if job.status.finished:
        raise Conflict("status", f"job {job_id} has already {job.status.value}")
    move(
        session,
        job_id,
        JobStatus.CANCELLED,
        where=(Job.status == JobStatus.QUEUED,),
        error="cancelled before it started",
        finished_at=utcnow(),
    )
    session.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
    session.refresh(job)
    return job


def resume_queued(session: Session) -> list[str]:
    """At start-up of an embedded panel: hand queued jobs to this process's threads (jobs
    whose hand-over died with a previous process).  Running jobs are left alone — their
    leases decide.  Harmless when several processes do it: only one claim per job wins.
    With a transactional backend (Procrastinate) queued work is already in its queue."""
    if isinstance(get_backend(), TransactionalBackend):
        return []
    queued = list(session.scalars(select(Job).where(Job.status == JobStatus.QUEUED)))
    for job in queued:
        hand_over(session, job)
    return [job.id for job in queued]

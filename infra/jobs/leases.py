"""Lapsed leases: the only way a running job is ended by anyone but its runner.

Any process may call :func:`reap_lapsed` (the panel's and every worker's maintenance loop
do, every few seconds); the guarded moves make concurrent reapers safe.  A job whose lease
lapsed goes back to the queue while its kind allows another attempt, and fails otherwise.
Nothing happens at start-up: a panel restarting while a worker or the CLI runs a job leaves
that job alone, because its heartbeat keeps the lease fresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from infra.database import utcnow
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.jobs.registry import kind_of
from infra.jobs.runner import forget_dead_run, hand_over
from infra.jobs.transitions import move


@dataclass(frozen=True)
class Reaped:
    job_id: str
    status: JobStatus  # queued again (retried) or failed
    owner: str | None


def _note(session: Session, job_id: str, message: str, level: EventLevel) -> None:
    last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id))
    session.add(
        JobEvent(job_id=job_id, seq=(last or 0) + 1, at=utcnow(), level=level, message=message)
    )


def _lapsed(now: dt.datetime, lease_s: float | None) -> ColumnElement[bool]:
    """A job with no lease at all (left by a version without leases) counts as lapsed once
    it has run for a lease."""
    if lease_s is None:
        from infra.settings import get_settings

        lease_s = get_settings().jobs.lease_s
    return or_(
        Job.lease_expires_at < now,
        and_(Job.lease_expires_at.is_(None), Job.started_at < now - dt.timedelta(seconds=lease_s)),
    )


def any_lapsed(session: Session, *, now: dt.datetime | None = None) -> bool:
    """Whether some running job's lease has lapsed (a cheap read before taking locks)."""
    query = select(Job.id).where(Job.status == JobStatus.RUNNING, _lapsed(now or utcnow(), None))
    return session.scalar(query.limit(1)) is not None


def reap_lapsed(
    session: Session, *, now: dt.datetime | None = None, lease_s: float | None = None
) -> list[Reaped]:
    """Retry or fail every running job whose lease has lapsed."""
    now = now or utcnow()
    lapsed = _lapsed(now, lease_s)
    rows = session.execute(
        select(Job.id, Job.kind, Job.owner, Job.attempts).where(
            Job.status == JobStatus.RUNNING, lapsed
        )
    ).all()
    reaped: list[Reaped] = []
    for row in rows:
        spec = kind_of(row.kind)
        retry = spec is not None and row.attempts <= spec.retries
        where = (Job.owner == row.owner if row.owner else Job.owner.is_(None), lapsed)
        if retry:
            moved = move(
                session, row.id, JobStatus.QUEUED, where=where, owner=None, lease_expires_at=None
            )
        else:
            moved = move(
                session,
                row.id,
                JobStatus.FAILED,
                where=where,
                lease_expires_at=None,
                finished_at=now,
                error=f"lease lapsed: its runner {row.owner or '(unknown)'} stopped",
            )
        if not moved:
            continue
        forget_dead_run(session, row.id)
        if retry:
            assert spec is not None
            _note(
                session,
                row.id,
                f"lease of {row.owner} lapsed; attempt {row.attempts + 1} of "
                f"{spec.retries + 1} queued",
                EventLevel.WARNING,
            )
            job = session.get_one(Job, row.id)
            session.refresh(job)
            hand_over(session, job)
        else:
            _note(session, row.id, f"lease of {row.owner} lapsed; failed", EventLevel.ERROR)
        reaped.append(Reaped(row.id, JobStatus.QUEUED if retry else JobStatus.FAILED, row.owner))
    return reaped

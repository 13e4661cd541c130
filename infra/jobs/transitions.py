"""Guarded status moves: every change of a job's status is one conditional UPDATE.

The UPDATE names the statuses the job may be in (:data:`infra.jobs.enums.TRANSITIONS`) and,
for a running job, the lease owner; it reports whether it matched.  So two processes racing
over one job cannot both win, a runner that lost its lease cannot finish a job someone else
now runs, and a finished job stays finished.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from infra.database import utcnow
from infra.jobs.enums import JobStatus, allowed_from
from infra.jobs.models import Job


def new_owner() -> str:
    """A name for one attempt: host, process and a random tail (unique per attempt)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def move(
    session: Session,
    job_id: str,
    to: JobStatus,
    *,
    held_by: str | None = None,
    where: tuple[ColumnElement[bool], ...] = (),
    **values: Any,
) -> bool:
    """Move the job to ``to`` if its status allows it (and ``held_by`` holds its lease)."""
    conditions = [Job.id == job_id, Job.status.in_(allowed_from(to)), *where]
    if held_by is not None:
        conditions.append(Job.owner == held_by)
    result = session.execute(
        update(Job).where(*conditions).values(status=to, **values),
        execution_options={"synchronize_session": False},
    )
    return cast(CursorResult[Any], result).rowcount == 1


@dataclass(frozen=True)
class Claimed:
    kind: str
    params: dict[str, Any]
    attempts: int


def claim_returning(session: Session, job_id: str, *, owner: str, lease_s: float) -> Claimed | None:
    """queued → running under ``owner`` with a lease of ``lease_s`` seconds, in one statement;
    what the runner needs to know, or None if someone else has it (or it is not queued)."""
    now = utcnow()
    row = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(allowed_from(JobStatus.RUNNING)))
        .values(
            status=JobStatus.RUNNING,
            owner=owner,
            started_at=now,
            lease_expires_at=now + dt.timedelta(seconds=lease_s),
            attempts=Job.attempts + 1,
        )
        .returning(Job.kind, Job.params, Job.attempts),
        execution_options={"synchronize_session": False},
    ).first()
    return Claimed(row.kind, dict(row.params), row.attempts) if row is not None else None


def claim(session: Session, job_id: str, *, owner: str, lease_s: float) -> bool:
    """queued → running under ``owner``, with a lease of ``lease_s`` seconds."""
    return claim_returning(session, job_id, owner=owner, lease_s=lease_s) is not None


def renew(session: Session, job_id: str, *, owner: str, lease_s: float) -> bool:
    """The heartbeat: push the lease out again; False if ``owner`` no longer holds the job."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.owner == owner, Job.status == JobStatus.RUNNING)
        .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_s)),
        execution_options={"synchronize_session": False},
    )
    return cast(CursorResult[Any], result).rowcount == 1

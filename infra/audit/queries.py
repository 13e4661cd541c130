"""Reading the audit log: filtered pages of entries, and the last verification's outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from infra.audit.jobs import VERIFY_KIND
from infra.audit.models import AuditEntry
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.schemas import Page, PageParams


@dataclass(frozen=True)
class AuditFilter:
    """What to narrow the log to; ``None`` means "any".  ``since`` is inclusive, ``until``
    exclusive, both aware UTC."""

    entity: str | None = None
    entity_id: str | None = None
    department_id: int | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.entity:
            query = query.where(AuditEntry.entity == self.entity)
        if self.entity_id:
            query = query.where(AuditEntry.entity_id == self.entity_id)
        if self.department_id is not None:
            query = query.where(AuditEntry.department_id == self.department_id)
        if self.actor:
            query = query.where(AuditEntry.actor == self.actor)
        if self.since is not None:
            query = query.where(AuditEntry.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEntry.at < self.until)
        return query


def list_entries(session: Session, *, where: AuditFilter, page: PageParams) -> Page[AuditEntry]:
    """Entries matching ``where``, newest (highest chain position) first."""
    query = where.apply(select(AuditEntry))
    total = session.scalar(where.apply(select(func.count()).select_from(AuditEntry))) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.seq.desc()).limit(page.limit).offset(page.offset)
    ).all()
    return Page(items=list(rows), total=total, limit=page.limit, offset=page.offset)


def entity_kinds(session: Session) -> list[str]:
    """Every entity type the log names (for the filter's choices)."""
    return list(session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)))


@dataclass(frozen=True)
class Verification:
    """The newest finished chain verification job and what it found."""

    job_id: str
    finished_at: dt.datetime | None
    status: JobStatus
    ok: bool
    checked: int | None
    first_broken_seq: int | None
    reason: str | None


def last_verification(session: Session) -> Verification | None:
    """The newest *finished* verification (a running one has nothing to say yet)."""
    job = session.scalars(
        select(Job)
        .where(Job.kind == VERIFY_KIND, Job.status.in_([JobStatus.SUCCEEDED, JobStatus.FAILED]))
        .order_by(Job.finished_at.desc(), Job.created_at.desc())
        .limit(1)
    ).first()
    if job is None:
        return None
    result = job.result or {}
    return Verification(
        job_id=job.id,
        finished_at=job.finished_at,
        status=job.status,
        ok=job.status is JobStatus.SUCCEEDED and bool(result.get("ok")),
        checked=result.get("checked"),
        first_broken_seq=result.get("first_broken_seq"),
        reason=result.get("reason") or job.error,
    )

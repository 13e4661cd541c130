from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from infra.audit.jobs import VERIFY_KIND
from infra.audit.models import AuditEntry
from infra.jobs.schemas import JobAccepted
from infra.jobs.service import submit_job
from infra.schemas import OutputModel
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEntryRead(OutputModel):
    seq: int
    at: dt.datetime
    actor: str
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    department_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


@router.get("", response_model=list[AuditEntryRead])
def list_entries(
    session: SessionDep,
    principal: access.AuditRead,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    entity: str | None = None,
    entity_id: str | None = None,
) -> list[AuditEntryRead]:
    """The audit log in order; page with ``after_seq`` set to the last ``seq`` you saw."""
    query = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    rows = session.scalars(query.order_by(AuditEntry.seq).limit(limit))
    return [AuditEntryRead.model_validate(r) for r in rows]


@router.post("/verify", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def verify(session: SessionDep, principal: access.AuditVerify) -> JobAccepted:
    """Check the whole hash chain as a job; its result names the first broken entry."""
    job = submit_job(
        session,
        kind=VERIFY_KIND,
        title="Verify the audit chain",
        params={},
        actor=principal.actor,
    )
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        url=f"/api/v1/jobs/{job.id}",
        events_url=f"/api/v1/jobs/{job.id}/stream",
    )

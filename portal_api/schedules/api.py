"""Periodic work: every schedule with its last run and next due time; run one by hand."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, status

from infra.jobs.enums import JobStatus
from infra.jobs.schemas import JobAccepted
from infra.schedules import service
from infra.schemas import OutputModel
from portal_api import access
from portal_api.deps import SessionDep
from portal_api.registry import SCHEDULES

router = APIRouter(prefix="/schedules", tags=["schedules"])


class ScheduleRead(OutputModel):
    name: str
    description: str
    period: str
    catch_up: int
    last_period_start: dt.datetime | None
    last_job_id: str | None
    last_status: JobStatus | None
    last_finished_at: dt.datetime | None
    next_run_at: dt.datetime


@router.get("", response_model=list[ScheduleRead])
def list_schedules(session: SessionDep, _principal: access.ScheduleRead) -> list[ScheduleRead]:
    """Each schedule, its latest run (claimed or by hand) and when the next falls due."""
    return [ScheduleRead.model_validate(s) for s in service.statuses(session, SCHEDULES)]


@router.post("/{name}/run", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def run_schedule(session: SessionDep, principal: access.ScheduleRun, name: str) -> JobAccepted:
    """Run a schedule now for its latest ended period (handlers are idempotent per period)."""
    job = service.run_now(session, service.find(SCHEDULES, name), actor=principal.actor)
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        url=f"/api/v1/jobs/{job.id}",
        events_url=f"/api/v1/jobs/{job.id}/stream",
    )

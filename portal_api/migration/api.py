"""Migration API: legacy systems, their dependencies and discovery facts."""

from __future__ import annotations

from fastapi import APIRouter, status

from infra.errors import Conflict
from infra.jobs.enums import JobStatus
from infra.jobs.schemas import JobAccepted
from infra.migration import assessment, runs, service
from infra.migration.models import MigrationRun
from infra.migration.schemas import (
    DependencyCreate,
    DependencyRead,
    RequestItems,
    RunCreate,
    RunRead,
    StrategyOverride,
    SystemCreate,
    SystemRead,
    WavePlanCreate,
    WavePlanRead,
    WaveRead,
    WaveSlotRead,
)
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(prefix="/migration", tags=["migration"])


@router.get("/systems", response_model=list[SystemRead])
def list_systems(session: SessionDep, who: access.MigrationRead) -> list[SystemRead]:
    return [service.read_system(session, s) for s in service.list_systems(session, scope=who.scope)]


@router.post("/systems", response_model=SystemRead, status_code=status.HTTP_201_CREATED)
def register_system(
    session: SessionDep, who: access.MigrationWrite, data: SystemCreate
) -> SystemRead:
    system = service.register_system(session, data=data, actor=who.actor, scope=who.scope)
    return service.read_system(session, system)


@router.get("/systems/{system_id}", response_model=SystemRead)
def get_system(session: SessionDep, who: access.MigrationRead, system_id: int) -> SystemRead:
    return service.read_system(
        session, service.get_system(session, system_id=system_id, scope=who.scope)
    )


@router.post(
    "/systems/{system_id}/dependencies",
    response_model=DependencyRead,
    status_code=status.HTTP_201_CREATED,
)
def add_dependency(
    session: SessionDep, who: access.MigrationWrite, system_id: int, data: DependencyCreate
) -> DependencyRead:
    row = service.add_dependency(
        session,
        system_id=system_id,
        depends_on_id=data.depends_on_id,
        actor=who.actor,
        scope=who.scope,
    )
    return DependencyRead.model_validate(row)


@router.post("/systems/{system_id}/refresh", response_model=SystemRead)
def refresh_system(session: SessionDep, who: access.MigrationWrite, system_id: int) -> SystemRead:
    """Take in the latest discovery facts: data directories, databases, dependencies."""
    system = service.refresh_from_discovery(
        session, system_id=system_id, actor=who.actor, scope=who.scope
    )
    return service.read_system(session, system)


# --- assessment ---------------------------------------------------------------------------


@router.post("/systems/{system_id}/assess", response_model=SystemRead)
def assess_system(session: SessionDep, who: access.MigrationWrite, system_id: int) -> SystemRead:
    """Suggest a strategy (with reasons) and right-size from the servers' observed p95."""
    system = assessment.assess(session, system_id=system_id, actor=who.actor, scope=who.scope)
    return service.read_system(session, system)


@router.post("/systems/{system_id}/override", response_model=SystemRead)
def override_strategy(
    session: SessionDep, who: access.MigrationWrite, system_id: int, data: StrategyOverride
) -> SystemRead:
    system = assessment.override(
        session, system_id=system_id, data=data, actor=who.actor, scope=who.scope
    )
    return service.read_system(session, system)


@router.post("/systems/{system_id}/sign-off", response_model=SystemRead)
def sign_off(session: SessionDep, who: access.MigrationSignOff, system_id: int) -> SystemRead:
    """The department accepts the assessment of its own system."""
    system = assessment.sign_off(session, system_id=system_id, actor=who.actor, scope=who.scope)
    return service.read_system(session, system)


@router.get("/systems/{system_id}/request-items", response_model=RequestItems)
def request_items(session: SessionDep, who: access.MigrationRead, system_id: int) -> RequestItems:
    """The right-sized capacity as the items of a resource request."""
    system = service.get_system(session, system_id=system_id, scope=who.scope)
    if system.sized_vcpu is None or system.sized_memory_gib is None:
        raise Conflict("status", f"system {system_id} has not been sized; assess it first")
    return RequestItems(
        vcpu=system.sized_vcpu,
        memory_gib=system.sized_memory_gib,
        storage_gib=system.sized_storage_gib or 0,
    )


# --- waves and runs -----------------------------------------------------------------------


@router.post("/waves", response_model=WavePlanRead, status_code=status.HTTP_201_CREATED)
def plan_waves(
    session: SessionDep, who: access.MigrationWrite, data: WavePlanCreate
) -> WavePlanRead:
    """Plan (or re-plan) the waves of signed-off systems; says why any could not be placed."""
    _, unplaced = assessment.plan_and_store(session, data=data, actor=who.actor, scope=who.scope)
    return _plan(session, data.plan, unplaced)


@router.get("/waves", response_model=WavePlanRead)
def get_waves(
    session: SessionDep, who: access.MigrationRead, plan: str = "default"
) -> WavePlanRead:
    visible = {s.id for s in service.list_systems(session, scope=who.scope)}
    read = _plan(session, plan, {})
    for wave in read.waves:
        wave.members = [m for m in wave.members if m.system_id in visible]
    return read


def _plan(session: SessionDep, plan: str, unplaced: dict[int, str]) -> WavePlanRead:
    waves = []
    for wave, members in assessment.planned_at(session, plan=plan):
        read = WaveRead.model_validate(wave)
        read.members = [
            WaveSlotRead(
                system_id=m.system_id,
                slot_starts_at=m.slot_starts_at,
                slot_ends_at=m.slot_ends_at,
            )
            for m in members
        ]
        waves.append(read)
    return WavePlanRead(plan=plan, waves=waves, unplaced=unplaced)


@router.get("/runs", response_model=list[RunRead])
def list_runs(
    session: SessionDep, who: access.MigrationRead, system_id: int | None = None
) -> list[RunRead]:
    rows = runs.list_runs(session, scope=who.scope, system_id=system_id)
    return [RunRead.model_validate(r) for r in rows]


@router.get("/runs/{run_id}", response_model=RunRead)
def get_run(session: SessionDep, who: access.MigrationRead, run_id: int) -> RunRead:
    return RunRead.model_validate(runs.get_run(session, run_id=run_id, scope=who.scope))


def _accepted(run: MigrationRun) -> JobAccepted:
    return JobAccepted(
        job_id=run.job_id or "",
        status=JobStatus.QUEUED,
        url=f"/api/v1/jobs/{run.job_id}",
        events_url=f"/api/v1/jobs/{run.job_id}/stream",
    )


@router.post("/runs", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def start_run(session: SessionDep, who: access.MigrationWrite, data: RunCreate) -> JobAccepted:
    """Migrate, cut over or roll back as a job; Ansible's events stream into its log."""
    return _accepted(runs.create_run(session, data=data, actor=who.actor, scope=who.scope))


@router.post(
    "/runs/{run_id}/resume", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
def resume_run(session: SessionDep, who: access.MigrationWrite, run_id: int) -> JobAccepted:
    return _accepted(runs.resume_run(session, run_id=run_id, actor=who.actor, scope=who.scope))


@router.post(
    "/runs/{run_id}/rollback", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
def rollback_run(session: SessionDep, who: access.MigrationWrite, run_id: int) -> JobAccepted:
    """Restart the source and discard the destination (a new run)."""
    return _accepted(runs.rollback(session, run_id=run_id, actor=who.actor, scope=who.scope))

"""Department stacks: their config from the database, their status, and starting runs."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import utcnow
from infra.errors import Conflict, NotFound
from infra.inventory.enums import SHARED_ZONES
from infra.inventory.models import Application
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.jobs.service import submit_job
from infra.provisioning.enums import StackOperation, StackRunStatus
from infra.provisioning.exceptions import STACK_UNBUILDABLE, RunInProgress
from infra.provisioning.models import StackState
from infra.provisioning.pulumi_adapter import RunResult
from infra.provisioning.schemas import StackStatusRead
from infra.settings import ProvisioningSettings
from infra.tenancy.enums import DepartmentKind
from infra.tenancy.models import Department, Quota
from infra.tenancy.requests.running import activate_deployed
from infra.tenancy.scope import Scope, subtree
from stacks.config import TenancyConfig, ZoneTenancy

RUN_KIND = "stack.run"


def stack_name_for(department: Department) -> str:
    return f"dept-{department.code}"


def tenancy_config(
    session: Session, *, department: Department, settings: ProvisioningSettings
) -> TenancyConfig:
    """The department's tenancy as its quota rows (and its systems' MLPS levels) say."""
    limits: dict[str, dict[str, int]] = defaultdict(dict)
    for quota in session.scalars(select(Quota).where(Quota.department_id == department.id)):
        limits[quota.zone.value][quota.resource.value] = quota.limit
    # The namespace carries the highest MLPS level of the department's systems in the zone.
    rows = session.execute(
        select(Application.zone, func.max(Application.mlps_level))
        .where(Application.department_id.in_(sorted(subtree(session, department.id))))
        .group_by(Application.zone)
    )
    levels = dict(rows.all())
    zones = tuple(
        ZoneTenancy(
            zone=zone.value,
            mlps_level=int(levels.get(zone) or settings.default_mlps_level),
            quotas=dict(sorted(limits[zone.value].items())),
        )
        for zone in SHARED_ZONES
        if zone.value in limits
    )
    prefix = settings.group_prefix
    try:
        return TenancyConfig(
            department=department.code,
            display_name=department.name,
            zones=zones,
            admin_group=f"{prefix}:{department.code}:admin",
            user_group=f"{prefix}:{department.code}:user",
        )
    except ValueError as exc:  # a code stored before the naming rules: refused, never a 500
        raise Conflict(
            "code",
            f"the department's stack cannot be built: {exc}",
            code=STACK_UNBUILDABLE,
            params={"code": department.code},
        ) from exc


def stack_notes(session: Session, *, department: Department, state: StackState | None) -> list[str]:
    """What the stack does not do that the database might suggest: quota rows in a zone that
    hosts no shared capacity (never deployed), and namespaces the stack retains in the cluster
    after their zone's last quota went (removed only by an operator)."""
    notes = []
    for zone, count in session.execute(
        select(Quota.zone, func.count(Quota.id))
        .where(Quota.department_id == department.id)
        .group_by(Quota.zone)
    ):
        if zone not in SHARED_ZONES:
            notes.append(
                f"{count} quota row(s) in the {zone.value} zone are not deployed: that zone "
                "hosts no shared-cloud capacity"
            )
    deployed = list((state.last_outputs or {}).get("namespaces") or []) if state else []
    declared = {f"{department.code}-{z.value}" for z in _zones_of(session, department.id)}
    for namespace in sorted(set(deployed) - declared):
        notes.append(
            f"namespace {namespace} has no quota any more; the stack keeps it (with its "
            "workloads and volumes) until an operator deletes it"
        )
    return notes


def _zones_of(session: Session, department_id: int) -> list[Any]:
    """The shared zones where the department holds quota, in the zones' order."""
    held = set(session.scalars(select(Quota.zone).where(Quota.department_id == department_id)))
    return [zone for zone in SHARED_ZONES if zone in held]


def _state(session: Session, department: Department) -> StackState:
    state = session.scalar(select(StackState).where(StackState.department_id == department.id))
    if state is None:
        state = StackState(
            department_id=department.id,
            stack_name=stack_name_for(department),
            out_of_date=True,
            out_of_date_since=utcnow(),
            out_of_date_reason="never deployed",
        )
        session.add(state)
        session.flush()
    return state


def mark_out_of_date(session: Session, *, department_id: int, reason: str) -> None:
    """The department's stack no longer matches the database (called when quotas change)."""
    department = session.get(Department, department_id)
    if department is None:
        return
    state = _state(session, department)
    if not state.out_of_date:
        state.out_of_date_since = utcnow()
    state.out_of_date = True
    state.out_of_date_reason = reason[:300]
    session.flush()


def _status(
    department: Department,
    state: StackState | None,
    zones: list[str],
    notes: list[str] | None = None,
) -> StackStatusRead:
    return StackStatusRead(
        notes=notes or [],
        department_id=department.id,
        department_code=department.code,
        department_name=department.name,
        department_name_en=department.name_en,
        stack_name=state.stack_name if state else stack_name_for(department),
        zones=zones,
        out_of_date=state.out_of_date if state else True,
        out_of_date_since=state.out_of_date_since if state else None,
        out_of_date_reason=state.out_of_date_reason if state else "never deployed",
        last_operation=state.last_operation if state else None,
        last_status=state.last_status if state else None,
        last_run_at=state.last_run_at if state else None,
        last_job_id=state.last_job_id if state else None,
        last_error=state.last_error if state else None,
        last_changes=state.last_changes if state else None,
        last_outputs=state.last_outputs if state else None,
        applied_fingerprint=state.applied_fingerprint if state else None,
    )


def list_stacks(session: Session, *, scope: Scope) -> list[StackStatusRead]:
    """A stack per visible department that holds quota or has been deployed, by code."""
    zones: dict[int, set[str]] = defaultdict(set)
    for department_id, zone in session.execute(
        select(Quota.department_id, Quota.zone).where(scope.where(Quota.department_id))
    ):
        zones[department_id].add(zone.value)
    states = {
        s.department_id: s
        for s in session.scalars(select(StackState).where(scope.where(StackState.department_id)))
    }
    ids = sorted(set(zones) | set(states))
    departments = session.scalars(
        select(Department).where(Department.id.in_(ids)).order_by(Department.code)
    )
    order = [z.value for z in SHARED_ZONES]
    return [
        _status(
            d,
            states.get(d.id),
            [z for z in order if z in zones[d.id]],
            stack_notes(session, department=d, state=states.get(d.id)),
        )
        for d in departments
    ]


def stack_department(session: Session, *, scope: Scope, department_id: int) -> Department:
    """The department whose stack is meant, or NotFound (outside scope, or the city)."""
    department = session.get(Department, department_id)
    if department is None or not scope.allows(department.id):
        raise NotFound("department", department_id)
    if department.kind is DepartmentKind.CITY:
        raise NotFound("stack", department.code)
    return department


def get_stack(session: Session, *, scope: Scope, department_id: int) -> StackStatusRead:
    department = stack_department(session, scope=scope, department_id=department_id)
    state = session.scalar(select(StackState).where(StackState.department_id == department.id))
    zones = [z.value for z in _zones_of(session, department.id)]
    return _status(
        department, state, zones, stack_notes(session, department=department, state=state)
    )


def start_run(
    session: Session,
    *,
    scope: Scope,
    department_id: int,
    operation: StackOperation,
    actor: Actor,
) -> Job:
    """Queue a stack operation as a job (one at a time per department), audited."""
    department = stack_department(session, scope=scope, department_id=department_id)
    busy = session.scalar(
        select(Job.id).where(
            Job.kind == RUN_KIND,
            Job.department_id == department.id,
            Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
        )
    )
    if busy is not None:
        raise RunInProgress(stack_name_for(department), busy)
    job = submit_job(
        session,
        kind=RUN_KIND,
        title=f"pulumi {operation.value} {stack_name_for(department)}",
        params={"department_id": department.id, "operation": operation.value},
        actor=actor,
        department_id=department.id,
    )
    record(
        session,
        actor=actor,
        action=operation.value,
        entity="stack",
        entity_id=stack_name_for(department),
        after={"job_id": job.id, "operation": operation.value},
        department_id=department.id,
    )
    return job


def record_run_started(
    session: Session, *, department_id: int, job_id: str, operation: StackOperation
) -> None:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("department", department_id)
    state = _state(session, department)
    state.last_operation = operation
    state.last_status = StackRunStatus.RUNNING
    state.last_run_at = utcnow()
    state.last_job_id = job_id
    state.last_error = None
    session.flush()


def record_run_finished(
    session: Session,
    *,
    department_id: int,
    job_id: str,
    operation: StackOperation,
    result: RunResult | None = None,
    error: str | None = None,
    deployed: str | None = None,
    current: str | None = None,
) -> StackState:
    """Store a run's outcome.  A successful ``up`` of the config that is still current makes
    the stack up to date; ``destroy`` leaves it out of date (nothing is deployed)."""
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("department", department_id)
    state = _state(session, department)
    started = state.last_run_at if state.last_job_id == job_id else None
    state.last_operation = operation
    state.last_run_at = utcnow()
    state.last_job_id = job_id
    if result is None:
        state.last_status, state.last_error = StackRunStatus.FAILED, error
        session.flush()
        return state
    state.last_status, state.last_error = StackRunStatus.SUCCEEDED, None
    state.last_changes = dict(result.changes)
    if operation is StackOperation.UP:
        state.last_outputs = dict(result.outputs)
        state.applied_fingerprint = deployed
        if started is not None:  # what was placed before the run is live now
            activate_deployed(
                session,
                department_id=department.id,
                deployed_since=started,
                job_id=job_id,
                actor=Actor.system("provisioning"),
            )
        if deployed is not None and deployed == current:
            state.out_of_date, state.out_of_date_since, state.out_of_date_reason = False, None, None
        else:
            state.out_of_date_reason = "the quotas changed while the update ran"
    elif operation is StackOperation.DESTROY:
        state.last_outputs, state.applied_fingerprint = None, None
        state.out_of_date, state.out_of_date_since = True, utcnow()
        state.out_of_date_reason = "destroyed"
    session.flush()
    return state

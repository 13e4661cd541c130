"""Department tenancy stacks: status, runs (as jobs), rendered manifests and quota drift."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

import infra.provisioning.jobs  # noqa: F401  (registers the stack job handler)
from infra.jobs.models import Job
from infra.jobs.schemas import JobAccepted
from infra.provisioning import flows, service
from infra.provisioning.enums import StackOperation
from infra.provisioning.schemas import (
    DriftFindingRead,
    DriftRead,
    StackRunCreate,
    StackStatusRead,
)
from infra.settings import get_settings
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(prefix="/stacks", tags=["stacks"])


def accepted(job: Job) -> JobAccepted:
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        url=f"/api/v1/jobs/{job.id}",
        events_url=f"/api/v1/jobs/{job.id}/stream",
    )


@router.get("", response_model=list[StackStatusRead])
def list_stacks(session: SessionDep, principal: access.StackRead) -> list[StackStatusRead]:
    """Every visible department's stack: last run, outputs, and whether it is out of date."""
    return service.list_stacks(session, scope=principal.scope)


@router.get("/{department_id}", response_model=StackStatusRead)
def get_stack(
    session: SessionDep, principal: access.StackRead, department_id: int
) -> StackStatusRead:
    return service.get_stack(session, scope=principal.scope, department_id=department_id)


@router.get("/{department_id}/manifests")
def manifests(
    session: SessionDep, principal: access.StackRead, department_id: int
) -> list[dict[str, Any]]:
    """The Kubernetes objects the stack declares, rendered under Pulumi's mocks."""
    department = service.stack_department(
        session, scope=principal.scope, department_id=department_id
    )
    rendered = flows.render_department(
        session, department=department, settings=get_settings().provisioning
    )
    return [{"file": m.filename, "object": m.body} for m in rendered]


@router.get("/{department_id}/drift", response_model=DriftRead)
def drift(session: SessionDep, principal: access.StackRead, department_id: int) -> DriftRead:
    """The database's quotas against the cluster's ResourceQuotas (400 without a cluster)."""
    department = service.stack_department(
        session, scope=principal.scope, department_id=department_id
    )
    report = flows.drift(session, department=department, settings=get_settings().provisioning)
    return DriftRead(
        department=report.department,
        namespaces=list(report.namespaces),
        in_sync=report.in_sync,
        findings=[
            DriftFindingRead(
                kind=f.kind.value,
                namespace=f.namespace,
                key=f.key,
                expected=f.expected,
                live=f.live,
                message=f.message,
            )
            for f in report.findings
        ],
    )


@router.post(
    "/{department_id}/runs", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
def start_run(
    session: SessionDep, principal: access.StackDeploy, department_id: int, data: StackRunCreate
) -> JobAccepted:
    """Preview, update or refresh the stack as a job; follow it at ``events_url``."""
    job = service.start_run(
        session,
        scope=principal.scope,
        department_id=department_id,
        operation=StackOperation(data.operation),
        actor=principal.actor,
    )
    return accepted(job)


@router.post(
    "/{department_id}/destroy", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
def destroy(session: SessionDep, principal: access.StackDestroy, department_id: int) -> JobAccepted:
    """Delete everything the stack created (its namespaces and what is in them) as a job."""
    job = service.start_run(
        session,
        scope=principal.scope,
        department_id=department_id,
        operation=StackOperation.DESTROY,
        actor=principal.actor,
    )
    return accepted(job)

"""Department stacks: their status, preview/up buttons and rendered manifests (a run's live
view is the job page, portal_api/jobs/pages.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.responses import Response

import infra.provisioning.jobs  # noqa: F401  (registers the stack job handler)
from infra.errors import NOT_OFFERED, Conflict, InvalidInput
from infra.inventory.enums import NetworkZone
from infra.jobs.models import Job
from infra.provisioning import flows, service
from infra.provisioning.enums import StackOperation
from infra.provisioning.pulumi_adapter import CLI_MISSING
from infra.settings import get_settings
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, messages
from portal_api.web.auth import CheckedForm, Viewer
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter()

PAGE_OPERATIONS = (StackOperation.PREVIEW, StackOperation.UP, StackOperation.REFRESH)


def _cli_notice(viewer: Viewer) -> str | None:
    """The adapter's own message when the pulumi CLI is missing (shown to who may deploy)."""
    if not viewer.can(Permission.STACK_DEPLOY):
        return None
    return None if flows.adapter_for(get_settings().provisioning).available else CLI_MISSING


@router.get("/stacks", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: access.StackRead) -> Response:
    stacks = service.list_stacks(session, scope=viewer.scope)
    context = {"stacks": stacks, "cli_missing": _cli_notice(viewer), "zone": NetworkZone}
    return render(request, "stacks/list.html", context)


@router.get("/stacks/{department_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, session: SessionDep, viewer: access.StackRead, department_id: int
) -> Response:
    stack = service.get_stack(session, scope=viewer.scope, department_id=department_id)
    runs = session.scalars(
        select(Job)
        .where(Job.kind == service.RUN_KIND, Job.department_id == department_id)
        .order_by(Job.created_at.desc())
        .limit(10)
    ).all()
    context = {
        "stack": stack,
        "runs": runs,
        "operations": PAGE_OPERATIONS,
        "cli_missing": _cli_notice(viewer),
        "zone": NetworkZone,
    }
    return render(request, "stacks/detail.html", context)


@router.get("/stacks/{department_id}/manifests", response_class=HTMLResponse)
def manifests_page(
    request: Request, session: SessionDep, viewer: access.StackRead, department_id: int
) -> Response:
    """What the stack declares, rendered under Pulumi's mocks (no CLI, no cluster)."""
    department = service.stack_department(session, scope=viewer.scope, department_id=department_id)
    manifests = flows.render_department(
        session, department=department, settings=get_settings().provisioning
    )
    context = {"department": department, "manifests": manifests}
    return render(request, "stacks/manifests.html", context)


@router.post("/stacks/{department_id}/run", response_class=HTMLResponse)
def start_run(
    request: Request,
    session: SessionDep,
    viewer: access.StackDeploy,
    department_id: int,
    form: CheckedForm,
) -> Response:
    _ = gettext_for(request)
    raw = form.get("operation")
    try:
        operation = StackOperation(str(raw))
        if operation not in PAGE_OPERATIONS:
            raise ValueError(operation)
    except ValueError as exc:
        raise InvalidInput.one(
            "operation", "must be preview, up or refresh", code=NOT_OFFERED
        ) from exc
    try:
        with session.begin_nested():
            job = service.start_run(
                session,
                scope=viewer.scope,
                department_id=department_id,
                operation=operation,
                actor=viewer.actor,
            )
    except Conflict as exc:
        said = messages.say(exc.code, exc.message, exc.params, _)
        return redirect(request, f"/stacks/{department_id}", said, kind="info")
    return redirect(request, f"/jobs/{job.id}", _("The run was started."))

"""Resource request pages: usage against quota, the department's requests (file, follow,
withdraw), one request with its chain and trail, and the approver's queue."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.errors import GovcloudError, NotFound
from infra.tenancy.models import Department
from infra.tenancy.requests import approvals, decisions, flows, queries, quota, running, service
from infra.tenancy.requests import queries as request_queries
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.requests.schemas import Decision
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.requests import form
from portal_api.requests.form import signed_in_user
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm, SignedIn, Viewer, require
from portal_api.web.listing import EmptyAction, department_choices, english, list_response
from portal_api.web.lists import opt_int, visible_departments
from portal_api.web.messages import say
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter()
router.include_router(form.router)  # before /requests/{request_id}: "new" is no id


ACTIONS: dict[str, Permission] = {
    "submit": Permission.REQUEST_WRITE,
    "withdraw": Permission.REQUEST_WRITE,
    "approve": Permission.REQUEST_APPROVE,
    "reject": Permission.REQUEST_APPROVE,
    "activate": Permission.REQUEST_OPERATE,
    "release": Permission.REQUEST_WRITE,
}


@router.get("/usage", response_class=HTMLResponse)
def usage_page(
    request: Request,
    session: SessionDep,
    viewer: access.QuotaRead,
    department_id: str | None = None,
) -> Response:
    chosen = opt_int(department_id)
    ids = viewer.scope.department_ids
    if chosen is not None:
        ids = frozenset({chosen}) if viewer.scope.allows(chosen) else frozenset()
    rows = quota.usage_rows(session, department_ids=ids)
    departments = visible_departments(session, viewer.scope)
    context = {
        "rows": rows,
        "departments": departments,
        "by_code": {d.code: d for d in departments},
        "department_filter": chosen,
        "warnings": [r for r in rows if r.level.value != "ok"],
    }
    return render(request, "requests/usage.html", context)


@router.get("/requests", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: access.RequestRead) -> Response:
    _ = gettext_for(request)
    departments = visible_departments(session, viewer.scope)
    can_file = viewer.can(Permission.REQUEST_WRITE)
    return list_response(
        request,
        session,
        request_queries.requests_list(english=english(request)),
        request_queries.requests(viewer.scope),
        template="requests/list.html",
        path="/requests",
        options={"department_id": department_choices(request, departments)},
        links={"title": "/requests/{row.id}", "id": "/requests/{row.id}"},
        empty_action=EmptyAction(_("File a request"), "/requests/new") if can_file else None,
    )


@router.get("/approvals", response_class=HTMLResponse)
def queue_page(request: Request, session: SessionDep, viewer: access.RequestApprove) -> Response:
    waiting = approvals.queue_for(session, user=signed_in_user(session, viewer), scope=viewer.scope)
    departments = {d.id: d for d in visible_departments(session, viewer.scope)}
    return render(request, "requests/queue.html", {"requests": waiting, "by_id": departments})


def _detail(
    request: Request,
    session: Session,
    viewer: Viewer,
    item: ResourceRequest,
    state: forms.FormState | None = None,
    status: int = 200,
) -> Response:
    step = item.waiting_step()
    user = signed_in_user(session, viewer)
    context = {
        "item": item,
        "department": session.get(Department, item.department_id),
        "history": service.history(session, scope=viewer.scope, request_id=item.id),
        "can_sign": step is not None
        and approvals.can_sign(user, step)
        and item.created_by_id != user.id,
        "form": state or forms.FormState(values={"reason": ""}),
        "hosts": queries.hosts_by_item(session, request_id=item.id),
    }
    return render(request, "requests/detail.html", context, status=status)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, session: SessionDep, viewer: access.RequestRead, request_id: int
) -> Response:
    item = service.get_request(session, scope=viewer.scope, request_id=request_id)
    return _detail(request, session, viewer, item)


@dataclass(frozen=True)
class PlanView:
    """One request's share of a placement run, as the preview shows it."""

    lines: list[flows.PlanLine]
    # (item name, each constraint that binds said in the page's language)
    unplaced: list[tuple[str, list[str]]]
    change_applied: bool
    change_blocked: str | None
    fingerprint: str  # what the operator saw; commit refuses a plan that differs

    @property
    def places_something(self) -> bool:
        return bool(self.lines) or self.change_applied


def _plan_for(
    request: Request, session: Session, viewer: Viewer, item: ResourceRequest, *, dry_run: bool
) -> PlanView:
    plan = flows.run_placement(
        session,
        actor=viewer.actor,
        reserve=request.app.state.settings.inventory.host_reserve,
        dry_run=dry_run,
        only=frozenset({item.id}),
    )
    lines = [line for line in plan.placed if line.request_id == item.id]
    names = {i.id: i.name for i in item.items}
    reasons = plan.unplaced.get(item.id, [])
    applied, blocked = item.id in plan.changes_applied, plan.changes_blocked.get(item.id)
    seen = json.dumps(  # the English reasons: the same plan whatever the page's language
        [
            [(line.item_id, line.host_id) for line in lines],
            [(item_id, str(reason)) for item_id, reason in reasons],
            applied,
            blocked,
        ],
        sort_keys=True,
    )
    fingerprint = hashlib.sha256(seen.encode()).hexdigest()[:32]
    _ = gettext_for(request)
    own = f"{item.department_id}:"  # placement keeps groups apart per department, by prefix
    unplaced = [
        (
            names.get(i, str(i)),
            [say(p.code, p.text, _as_named(p.params, own), _) for p in why.parts],
        )
        for i, why in reasons
    ]
    return PlanView(lines, unplaced, applied, blocked, fingerprint)


def _as_named(params: Mapping[str, Any], prefix: str) -> Mapping[str, Any]:
    """The params with the anti-affinity group as the department named it."""
    group = params.get("group")
    if not isinstance(group, str):
        return params
    return {**params, "group": group.removeprefix(prefix)}


def _placement_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    item: ResourceRequest,
    state: forms.FormState | None = None,
    status: int = 200,
) -> Response:
    if item.state is not RequestState.APPROVED:
        _ = gettext_for(request)
        refused = forms.FormState(values={"reason": ""})
        refused.add("", _("Only an approved request can be placed."))
        return _detail(request, session, viewer, item, refused, 409)
    view = _plan_for(request, session, viewer, item, dry_run=True)
    session.rollback()  # a preview writes nothing and holds no lock
    context = {
        "item": item,
        "plan": view,
        "form": state or forms.FormState(values={"plan": view.fingerprint}),
    }
    return render(request, "requests/placement.html", context, status=status)


@router.get("/requests/{request_id}/placement", response_class=HTMLResponse)
def placement_preview(
    request: Request, session: SessionDep, viewer: access.RequestOperate, request_id: int
) -> Response:
    """Where each machine of the approved request would go, and why any would not fit."""
    item = service.get_request(session, scope=viewer.scope, request_id=request_id)
    return _placement_page(request, session, viewer, item)


@router.post("/requests/{request_id}/placement", response_class=HTMLResponse)
def placement_commit(
    request: Request,
    session: SessionDep,
    viewer: access.RequestOperate,
    request_id: int,
    form: CheckedForm,
) -> Response:
    """Commit the plan the operator saw (or, when it changed meanwhile, show the new one)."""
    _ = gettext_for(request)
    item = service.get_request(session, scope=viewer.scope, request_id=request_id)
    if item.state is not RequestState.APPROVED:
        return _placement_page(request, session, viewer, item)
    view = _plan_for(request, session, viewer, item, dry_run=False)
    if view.fingerprint != forms.text(form, "plan") or not view.places_something:
        session.rollback()
        session.expire_all()
        fresh = service.get_request(session, scope=viewer.scope, request_id=request_id)
        changed = forms.FormState(values={})
        changed.add(
            "", _("The plan changed since you looked at it: check the new plan and commit again.")
        )
        return _placement_page(request, session, viewer, fresh, changed, 409)
    session.commit()
    return redirect(request, f"/requests/{item.id}", _("The request was placed."))


@router.post("/requests/{request_id}/{action}", response_class=HTMLResponse)
def act(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    request_id: int,
    action: str,
    form: CheckedForm,
) -> Response:
    _ = gettext_for(request)
    item = service.get_request(session, scope=viewer.scope, request_id=request_id)
    if action not in ACTIONS:
        raise NotFound("action", action)
    require(viewer, ACTIONS[action])
    user = signed_in_user(session, viewer)
    state = forms.FormState(values=forms.values(form, ("reason",)))
    try:
        with session.begin_nested():
            scope = viewer.scope
            if action == "submit":
                service.submit_request(session, scope=scope, user=user, request_id=item.id)
            elif action == "withdraw":
                decisions.withdraw_request(session, scope=scope, user=user, request_id=item.id)
            elif action == "approve":
                note = Decision.model_validate({"note": state.values["reason"] or None}).note
                decisions.approve_request(
                    session, scope=scope, user=user, request_id=item.id, note=note
                )
            elif action == "reject":
                decisions.reject_request(
                    session,
                    scope=scope,
                    user=user,
                    request_id=item.id,
                    reason=state.values["reason"],
                )
            elif action == "activate":
                running.activate_by_hand(
                    session,
                    scope=scope,
                    actor=viewer.actor,
                    request_id=item.id,
                    reason=state.values["reason"],
                )
            else:
                running.release_request(
                    session, scope=scope, actor=viewer.actor, request_id=item.id
                )
    except (GovcloudError, ValidationError) as exc:
        status = forms.record_error(state, exc, _)
        session.expire_all()
        fresh = service.get_request(session, scope=viewer.scope, request_id=request_id)
        return _detail(request, session, viewer, fresh, state, status)
    session.commit()
    return redirect(request, f"/requests/{item.id}", _("The request was updated."))

"""Resource request pages: usage against quota, the department's requests (file, follow,
withdraw), one request with its chain and trail, and the approver's queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.errors import GovcloudError, NotFound
from infra.inventory.enums import SHARED_ZONES
from infra.tenancy.models import Department, User
from infra.tenancy.requests import approvals, quota, running, service
from infra.tenancy.requests import queries as request_queries
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.requests.schemas import RequestCreate
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm, SignedIn, Viewer, require
from portal_api.web.listing import EmptyAction, department_choices, english, list_response
from portal_api.web.lists import opt_int, visible_departments
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter()


HEAD_FIELDS = ("department_id", "title", "justification", "wanted_by", "ends_on")
ITEM_FIELDS = (
    "name",
    "count",
    "vcpu",
    "memory_gib",
    "storage_gib",
    "public_ip",
    "bandwidth_mbps",
    "zone",
    "mlps_level",
    "anti_affinity_group",
)
MAX_COUNT = 50
ACTIONS: dict[str, Permission] = {
    "submit": Permission.REQUEST_WRITE,
    "withdraw": Permission.REQUEST_WRITE,
    "approve": Permission.REQUEST_APPROVE,
    "reject": Permission.REQUEST_APPROVE,
    "activate": Permission.REQUEST_OPERATE,
    "release": Permission.REQUEST_WRITE,
}


def _user(session: Session, viewer: Viewer) -> User:
    user = session.get(User, viewer.user_id)
    assert user is not None
    return user


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
    waiting = approvals.queue_for(session, user=_user(session, viewer), scope=viewer.scope)
    departments = {d.id: d for d in visible_departments(session, viewer.scope)}
    return render(request, "requests/queue.html", {"requests": waiting, "by_id": departments})


def _form_page(
    request: Request, session: Session, viewer: Viewer, state: forms.FormState, status: int = 200
) -> Response:
    context = {
        "form": state,
        "departments": visible_departments(session, viewer.scope),
        "zones": list(SHARED_ZONES),
    }
    return render(request, "requests/form.html", context, status=status)


@router.get("/requests/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, viewer: access.RequestWrite) -> Response:
    values = dict.fromkeys(HEAD_FIELDS + ITEM_FIELDS, "")
    values.update(
        department_id=str(viewer.department_id or ""),
        count="1",
        mlps_level="2",
        name="vm",
        zone="extranet",
    )
    return _form_page(request, session, viewer, forms.FormState(values=values))


def _payload(values: dict[str, Any], submit: bool) -> dict[str, Any]:
    count = int(values["count"] or 1)
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count: between 1 and {MAX_COUNT}")
    item = {k: values[k] for k in ITEM_FIELDS if k != "count" and values[k] != ""}
    head = forms.without_blanks(
        {k: values[k] for k in HEAD_FIELDS}, "department_id", "wanted_by", "ends_on"
    )
    return {**head, "items": [item] * count, "submit": submit}


@router.post("/requests/new", response_class=HTMLResponse)
def create(
    request: Request, session: SessionDep, viewer: access.RequestWrite, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    state = forms.FormState(values=forms.values(form, HEAD_FIELDS + ITEM_FIELDS))
    try:
        with session.begin_nested():
            data = RequestCreate.model_validate(_payload(state.values, bool(form.get("submit"))))
            made, _created = service.create_request(
                session, scope=viewer.scope, user=_user(session, viewer), data=data
            )
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            return _form_page(request, session, viewer, state, forms.record_error(state, exc, _))
        state.add("count", _("Enter a number of at most %(maximum)s.") % {"maximum": MAX_COUNT})
        return _form_page(request, session, viewer, state, 422)
    except GovcloudError as exc:
        status = forms.record_error(state, exc, _)
        return _form_page(request, session, viewer, state, status)
    session.commit()  # release the locks in this worker thread (see api/requests.py `_done`)
    return redirect(request, f"/requests/{made.id}", _("The request was filed."))


def _detail(
    request: Request,
    session: Session,
    viewer: Viewer,
    item: ResourceRequest,
    state: forms.FormState | None = None,
    status: int = 200,
) -> Response:
    step = item.waiting_step()
    user = _user(session, viewer)
    context = {
        "item": item,
        "department": session.get(Department, item.department_id),
        "history": service.history(session, scope=viewer.scope, request_id=item.id),
        "can_sign": step is not None
        and approvals.can_sign(user, step)
        and item.created_by_id != user.id,
        "form": state or forms.FormState(values={"reason": ""}),
    }
    return render(request, "requests/detail.html", context, status=status)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, session: SessionDep, viewer: access.RequestRead, request_id: int
) -> Response:
    item = service.get_request(session, scope=viewer.scope, request_id=request_id)
    return _detail(request, session, viewer, item)


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
    user = _user(session, viewer)
    state = forms.FormState(values=forms.values(form, ("reason",)))
    try:
        with session.begin_nested():
            scope = viewer.scope
            if action == "submit":
                service.submit_request(session, scope=scope, user=user, request_id=item.id)
            elif action == "withdraw":
                service.withdraw_request(session, scope=scope, user=user, request_id=item.id)
            elif action == "approve":
                service.approve_request(session, scope=scope, user=user, request_id=item.id)
            elif action == "reject":
                service.reject_request(
                    session,
                    scope=scope,
                    user=user,
                    request_id=item.id,
                    reason=state.values["reason"],
                )
            elif action == "activate":
                running.activate_request(
                    session, scope=scope, actor=viewer.actor, request_id=item.id
                )
            else:
                running.release_request(
                    session, scope=scope, actor=viewer.actor, request_id=item.id
                )
    except GovcloudError as exc:
        status = forms.record_error(state, exc, _)
        session.expire_all()
        fresh = service.get_request(session, scope=viewer.scope, request_id=request_id)
        return _detail(request, session, viewer, fresh, state, status)
    session.commit()
    return redirect(request, f"/requests/{item.id}", _("The request was updated."))

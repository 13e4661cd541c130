"""Quotas: the list filtered by department and zone, and the operator's forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.inventory.enums import SHARED_ZONES
from infra.labels import N_
from infra.tenancy import queries, service
from infra.tenancy.enums import QUOTA_MAXIMUM, ResourceClass
from infra.tenancy.models import Quota
from infra.tenancy.schemas import QuotaCreate, QuotaUpdate
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm, SignedIn, Viewer, require
from portal_api.web.listing import EmptyAction, department_choices, english, list_response
from portal_api.web.lists import opt_int, visible_departments
from portal_api.web.render import gettext_for, render

router = APIRouter(prefix="/quotas")

CREATE_FIELDS = ("department_id", "resource", "zone", "limit")


def editable_quota(quota_id: int, session: SessionDep, viewer: SignedIn) -> Quota:
    """Load within the viewer's scope first (another department's quota: 404), then demand
    the write right (one's own department's quota, without it: 403)."""
    quota = service.get_quota(session, scope=viewer.scope, quota_id=quota_id)
    require(viewer, Permission.QUOTA_WRITE)
    return quota


EditableQuota = Annotated[Quota, Depends(editable_quota)]


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: access.QuotaRead) -> Response:
    _ = gettext_for(request)
    departments = visible_departments(session, viewer.scope)
    can_write = viewer.can(Permission.QUOTA_WRITE)
    return list_response(
        request,
        session,
        queries.quotas_list(english=english(request)),
        queries.quotas(viewer.scope),
        template="quotas/list.html",
        path="/quotas",
        context={"department_filter": opt_int(request.query_params.get("department_id"))},
        options={"department_id": department_choices(request, departments)},
        empty_action=EmptyAction(_("Set a quota"), "/quotas/new") if can_write else None,
    )


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    state: forms.FormState,
    quota: Quota | None,
    status: int = 200,
) -> Response:
    context = {
        "form": state,
        "quota": quota,
        "departments": visible_departments(session, viewer.scope),
        "resources": list(ResourceClass),
        "zones": list(SHARED_ZONES),
        "maximum": QUOTA_MAXIMUM[quota.resource] if quota is not None else None,
    }
    return render(request, "quotas/form.html", context, status=status)


@router.get("/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    session: SessionDep,
    viewer: access.QuotaWrite,
    department_id: str | None = None,
) -> Response:
    state = forms.FormState(values=dict.fromkeys(CREATE_FIELDS, ""))
    state.values["department_id"] = str(opt_int(department_id) or "")
    return _form_page(request, session, viewer, state, None)


@router.post("/new", response_class=HTMLResponse)
def create(
    request: Request, session: SessionDep, viewer: access.QuotaWrite, form: CheckedForm
) -> Response:
    state = forms.FormState(values=forms.values(form, CREATE_FIELDS))

    def work() -> str:
        data = QuotaCreate.model_validate(state.values)
        service.create_quota(session, scope=viewer.scope, data=data, actor=viewer.actor)
        return "/quotas"

    return forms.post(
        request,
        session,
        state,
        work,
        flash=N_("The quota was created."),
        form_page=lambda state, status: _form_page(request, session, viewer, state, None, status),
    )


@router.get("/{quota_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, session: SessionDep, viewer: SignedIn, quota: EditableQuota
) -> Response:
    state = forms.FormState(values={"limit": str(quota.limit)})
    return _form_page(request, session, viewer, state, quota)


@router.post("/{quota_id}/edit", response_class=HTMLResponse)
def update(
    request: Request, session: SessionDep, viewer: SignedIn, quota: EditableQuota, form: CheckedForm
) -> Response:
    state = forms.FormState(values=forms.values(form, ("limit",)))

    def work() -> str:
        data = QuotaUpdate.model_validate(state.values)
        service.update_quota(
            session, scope=viewer.scope, quota_id=quota.id, data=data, actor=viewer.actor
        )
        return "/quotas"

    return forms.post(
        request,
        session,
        state,
        work,
        flash=N_("The quota was saved."),
        form_page=lambda state, status: _form_page(request, session, viewer, state, quota, status),
    )

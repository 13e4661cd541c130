"""Quotas: the list filtered by department and zone, and the operator's forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.inventory.enums import SHARED_ZONES, NetworkZone
from infra.labels import N_
from infra.schemas import PageParams
from infra.tenancy import service
from infra.tenancy.enums import QUOTA_MAXIMUM, ResourceClass
from infra.tenancy.models import Quota
from infra.tenancy.schemas import QuotaCreate, QuotaUpdate
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm, SignedIn, Viewer, require
from portal_api.web.lists import PAGE_SIZE, Pager, opt_enum, opt_int, visible_departments
from portal_api.web.render import render

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
def list_page(
    request: Request,
    session: SessionDep,
    viewer: access.QuotaRead,
    department_id: str | None = None,
    zone: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    department_filter, zone_filter = opt_int(department_id), opt_enum(NetworkZone, zone)
    found = service.list_quotas(
        session,
        scope=viewer.scope,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        department_id=department_filter,
        zone=zone_filter,
    )
    departments = visible_departments(session, viewer.scope)
    params = {"department_id": str(department_filter or ""), "zone": zone_filter or ""}
    context = {
        "quotas": found.items,
        "by_id": {d.id: d for d in departments},
        "departments": departments,
        "zones": list(NetworkZone),
        "department_filter": department_filter,
        "zone_filter": zone_filter,
        "pager": Pager(found.total, found.offset, found.limit, "/quotas", params),
    }
    return render(request, "quotas/list.html", context)


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

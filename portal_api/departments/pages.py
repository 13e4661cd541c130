"""Departments: the hierarchy, and the operator's forms to add and change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from infra.tenancy import queries, service
from infra.tenancy.enums import DepartmentKind
from infra.tenancy.models import Department
from infra.tenancy.schemas import DepartmentCreate, DepartmentUpdate
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, forms
from portal_api.web.auth import (
    CheckedForm,
    SignedIn,
    Viewer,
    require,
)
from portal_api.web.listing import EmptyAction, department_choices, english, list_response
from portal_api.web.lists import visible_departments
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter(prefix="/departments")

CREATE_FIELDS = ("code", "name", "name_en", "kind", "parent_id")
EDIT_FIELDS = ("name", "name_en", "parent_id")
DOMAIN_ERRORS = (InvalidInput, Conflict, NotFound, PermissionDenied, ValidationError)


def editable_department(department_id: int, session: SessionDep, viewer: SignedIn) -> Department:
    """Load within the viewer's scope first (outside it: 404), then demand the write right."""
    department = service.get_department(session, scope=viewer.scope, department_id=department_id)
    require(viewer, Permission.DEPARTMENT_WRITE)
    return department


EditableDepartment = Annotated[Department, Depends(editable_department)]


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: access.DepartmentRead) -> Response:
    _ = gettext_for(request)
    everything = visible_departments(session, viewer.scope)
    parents = [d for d in everything if any(c.parent_id == d.id for c in everything)]
    can_write = viewer.can(Permission.DEPARTMENT_WRITE)
    return list_response(
        request,
        session,
        queries.departments_list(english=english(request)),
        queries.departments(viewer.scope),
        template="departments/list.html",
        path="/departments",
        context={"parent_ids": {d.id for d in parents}},
        options={"parent_id": department_choices(request, parents)},
        empty_action=EmptyAction(_("Add a department"), "/departments/new") if can_write else None,
    )


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    state: forms.FormState,
    department: Department | None,
    status: int = 200,
) -> Response:
    candidates = [
        d
        for d in visible_departments(session, viewer.scope)
        if department is None or d.id != department.id
    ]
    context = {
        "form": state,
        "department": department,
        "kinds": list(DepartmentKind),
        "parents": candidates,
    }
    return render(request, "departments/form.html", context, status=status)


@router.get("/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, viewer: access.DepartmentWrite) -> Response:
    state = forms.FormState(values=dict.fromkeys(CREATE_FIELDS, ""))
    state.values["kind"] = DepartmentKind.DEPARTMENT.value
    return _form_page(request, session, viewer, state, None)


@router.post("/new", response_class=HTMLResponse)
def create(
    request: Request, session: SessionDep, viewer: access.DepartmentWrite, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    state = forms.FormState(values=forms.values(form, CREATE_FIELDS))
    try:
        with session.begin_nested():
            data = DepartmentCreate.model_validate(
                forms.without_blanks(state.values, "name_en", "parent_id")
            )
            created = service.create_department(session, data=data, actor=viewer.actor)
    except DOMAIN_ERRORS as exc:
        status = forms.record_error(state, exc, _)
        return _form_page(request, session, viewer, state, None, status)
    message = _("Department %(code)s was created.") % {"code": created.code}
    return redirect(request, "/departments", message)


@router.get("/{department_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, session: SessionDep, viewer: SignedIn, department: EditableDepartment
) -> Response:
    state = forms.FormState(
        values={
            "name": department.name,
            "name_en": department.name_en or "",
            "parent_id": str(department.parent_id or ""),
        }
    )
    return _form_page(request, session, viewer, state, department)


@router.post("/{department_id}/edit", response_class=HTMLResponse)
def update(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    department: EditableDepartment,
    form: CheckedForm,
) -> Response:
    _ = gettext_for(request)
    state = forms.FormState(values=forms.values(form, EDIT_FIELDS))
    try:
        with session.begin_nested():
            data = DepartmentUpdate.model_validate(
                forms.without_blanks(state.values, "name_en", "parent_id")
            )
            service.update_department(
                session,
                scope=viewer.scope,
                department_id=department.id,
                data=data,
                actor=viewer.actor,
            )
    except DOMAIN_ERRORS as exc:
        status = forms.record_error(state, exc, _)
        return _form_page(request, session, viewer, state, department, status)
    message = _("Department %(code)s was saved.") % {"code": department.code}
    return redirect(request, "/departments", message)

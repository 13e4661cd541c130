"""Users: the list (a department administrator sees their own subtree) and the account forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from infra.inventory.models import Provider
from infra.tenancy import accounts, queries
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from infra.tenancy.schemas import UserCreate, UserUpdate
from infra.tenancy.signin import open_web_session
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, cookies, forms, i18n
from portal_api.web.auth import CheckedForm, SignedIn, Viewer, require
from portal_api.web.listing import EmptyAction, department_choices, english, list_response
from portal_api.web.lists import visible_departments
from portal_api.web.render import gettext_for, locale_for, redirect, render

router = APIRouter(prefix="/users")

CREATE_FIELDS = (
    "username",
    "display_name",
    "password",
    "role",
    "department_id",
    "provider_id",
    "locale",
)
EDIT_FIELDS = (
    "display_name",
    "password",
    "role",
    "department_id",
    "provider_id",
    "locale",
    "is_active",
)
DOMAIN_ERRORS = (InvalidInput, Conflict, NotFound, PermissionDenied, ValidationError)


def editable_user(user_id: int, session: SessionDep, viewer: SignedIn) -> User:
    """Load within the viewer's scope first (outside it: 404), then demand the right to
    change this user (the role table, then the roles this viewer may grant)."""
    user = accounts.get_user(session, scope=viewer.scope, user_id=user_id)
    require(viewer, Permission.USER_WRITE)
    if user.role not in accounts.grantable_roles(viewer.role):
        raise PermissionDenied(f"user: a {viewer.role.value} may not change a {user.role.value}")
    return user


EditableUser = Annotated[User, Depends(editable_user)]


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: access.UserRead) -> Response:
    _ = gettext_for(request)
    departments = visible_departments(session, viewer.scope)
    grantable = accounts.grantable_roles(viewer.role) if viewer.can(Permission.USER_WRITE) else ()
    new_user = EmptyAction(_("Add the first user"), "/users/new") if grantable else None
    return list_response(
        request,
        session,
        queries.users_list(english=english(request)),
        queries.users(viewer.scope),
        template="users/list.html",
        path="/users",
        context={"editable_roles": grantable},
        options={"department_id": department_choices(request, departments)},
        empty_action=new_user,
    )


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    state: forms.FormState,
    user: User | None,
    status: int = 200,
) -> Response:
    locale = locale_for(request, viewer)
    context = {
        "form": state,
        "user": user,
        "roles": [r for r in Role if r in accounts.grantable_roles(viewer.role)],
        "departments": visible_departments(session, viewer.scope),
        "locales": [(code, i18n.ENDONYMS[code], i18n.HTML_LANG[code]) for code in i18n.LOCALES],
        "global_department": viewer.scope.is_global,
        # Provider representatives are the cloud office's to create: only it picks a provider.
        "providers": [
            (str(p.id), f"{i18n.local_name(p, locale)} ({p.code})")
            for p in session.scalars(select(Provider).order_by(Provider.code))
        ]
        if viewer.scope.is_global
        else [],
    }
    return render(request, "users/form.html", context, status=status)


@router.get("/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, viewer: access.UserWrite) -> Response:
    state = forms.FormState(values=dict.fromkeys(CREATE_FIELDS, ""))
    state.values.update(
        role=Role.DEPARTMENT_USER.value,
        department_id=str(viewer.department_id or ""),
        locale=viewer.locale,
    )
    return _form_page(request, session, viewer, state, None)


@router.post("/new", response_class=HTMLResponse)
def create(
    request: Request, session: SessionDep, viewer: access.UserWrite, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    state = forms.FormState(values=forms.values(form, CREATE_FIELDS))
    raw_password = form.get("password")
    try:
        with session.begin_nested():
            data = UserCreate.model_validate(
                {
                    **forms.without_blanks(state.values, "department_id", "provider_id"),
                    "password": raw_password if isinstance(raw_password, str) else "",
                }
            )
            created = accounts.create_user(
                session, scope=viewer.scope, data=data, actor=viewer.actor
            )
    except DOMAIN_ERRORS as exc:
        state.values["password"] = ""
        status = forms.record_error(state, exc, _)
        return _form_page(request, session, viewer, state, None, status)
    message = _("User %(username)s was created.") % {"username": created.username}
    return redirect(request, "/users", message)


@router.get("/{user_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, session: SessionDep, viewer: SignedIn, user: EditableUser
) -> Response:
    state = forms.FormState(
        values={
            "display_name": user.display_name,
            "password": "",
            "role": user.role.value,
            "department_id": str(user.department_id or ""),
            "provider_id": str(user.provider_id or ""),
            "locale": user.locale,
            "is_active": user.is_active,
        }
    )
    return _form_page(request, session, viewer, state, user)


@router.post("/{user_id}/edit", response_class=HTMLResponse)
def update(
    request: Request, session: SessionDep, viewer: SignedIn, user: EditableUser, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    state = forms.FormState(values=forms.values(form, EDIT_FIELDS))
    state.values["is_active"] = "is_active" in form
    raw_password = form.get("password")
    changes = forms.without_blanks(state.values, "department_id", "provider_id")
    changes.pop("password")
    if not viewer.scope.is_global:
        changes.pop("provider_id")  # the field is not shown: keep what the user has
    if isinstance(raw_password, str) and raw_password:
        changes["password"] = raw_password  # blank: keep the current password
    try:
        with session.begin_nested():
            data = UserUpdate.model_validate(changes)
            accounts.update_user(
                session, scope=viewer.scope, user_id=user.id, data=data, actor=viewer.actor
            )
    except DOMAIN_ERRORS as exc:
        state.values["password"] = ""
        status = forms.record_error(state, exc, _)
        return _form_page(request, session, viewer, state, user, status)
    message = _("User %(username)s was saved.") % {"username": user.username}
    response = redirect(request, "/users", message)
    if user.id == viewer.user_id and user.is_active:
        # A new password voided every session of this user, this one included: start afresh.
        settings = cookies.settings_of(request)
        sid = open_web_session(session, user=user)
        cookies.start_session(response, settings, sid=sid, uid=user.id, epoch=user.session_epoch)
    return response

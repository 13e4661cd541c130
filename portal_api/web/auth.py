"""Who is looking at a page, what they may do there, and the CSRF check on every form.

Pages follow the API's rules exactly: roles through ``portal_api.permissions.RULES``, reach
through ``infra.tenancy.scope.scope_for``.  A missing or void session raises NotAuthenticated,
which the error page turns into a redirect to ``/login?next=…``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from infra.audit.actor import Actor
from infra.database import session_scope
from infra.errors import ROLE_MAY_NOT, NotAuthenticated, PermissionDenied
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from infra.tenancy.scope import Scope, scope_for
from infra.tenancy.signin import web_session_valid
from portal_api.deps import SessionDep
from portal_api.permissions import Permission, allowed
from portal_api.web import cookies


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as plain values (safe to use after the request's session closed)."""

    user_id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    locale: str
    csrf: str
    scope: Scope
    session_id: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(username=self.username, user_id=self.user_id, role=self.role)

    def can(self, permission: Permission | str) -> bool:
        return allowed(self.role, Permission(permission))


def viewer_from_cookie(request: Request, session: Session) -> Viewer | None:
    """The session cookie's user, if the cookie is valid and still matches the user's row."""
    data = cookies.read_session(request, cookies.settings_of(request))
    if data is None:
        return None
    user = session.get(User, data.uid)
    if user is None or not user.is_active or user.session_epoch != data.epoch:
        return None
    if not web_session_valid(session, sid=data.sid, user=user):
        return None  # signed out (or never a real session): the signature alone is not enough
    viewer = Viewer(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        department_id=user.department_id,
        locale=user.locale,
        csrf=data.csrf,
        scope=scope_for(session, user),
        session_id=data.sid,
    )
    request.state.viewer = viewer
    return viewer


def viewer_for_error_page(request: Request) -> Viewer | None:
    """The viewer for an error page: the one the request already loaded, else from the cookie."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is not None or cookies.SESSION_COOKIE not in request.cookies:
        return viewer
    state = request.app.state
    factory = getattr(state, "read_session_factory", None) or state.session_factory
    try:
        with session_scope(factory) as session:
            return viewer_from_cookie(request, session)
    except Exception:  # an error page must render even when the database is the error
        return None


def optional_viewer(request: Request, session: SessionDep) -> Viewer | None:
    return viewer_from_cookie(request, session)


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    viewer = viewer_from_cookie(request, session)
    if viewer is None:
        raise NotAuthenticated("session: sign in to continue")
    return viewer


SignedIn = Annotated[Viewer, Depends(current_viewer)]
MaybeSignedIn = Annotated[Viewer | None, Depends(optional_viewer)]


def require(viewer: Viewer, permission: Permission) -> None:
    if not viewer.can(permission):
        raise PermissionDenied(
            f"role: a {viewer.role.value} may not use {permission.value}",
            code=ROLE_MAY_NOT,
            params={"role": viewer.role},
        )


class Need:
    """Dependency admitting the roles ``RULES`` gives ``permission`` (the pages' ``Allow``)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, viewer: SignedIn) -> Viewer:
        require(viewer, self.permission)
        return viewer

    def __repr__(self) -> str:
        return f"Need({self.permission.value})"


async def posted_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form; its uploaded files are closed after the request, even a refused one."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


PostedForm = Annotated[FormData, Depends(posted_form)]


def checked_form(viewer: SignedIn, form: PostedForm) -> FormData:
    """The posted form, once its hidden ``csrf`` field matches the session's token."""
    if not cookies.same_token(viewer.csrf, form.get("csrf")):
        raise PermissionDenied("csrf: the form is missing its security token or it has expired")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]

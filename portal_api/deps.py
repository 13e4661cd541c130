"""Request dependencies: the session, who is calling, and what they may touch.

Routes never repeat a lookup or a permission check: they ask for a :class:`Principal` through
``Annotated`` aliases built from :class:`Allow`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from infra.audit.actor import Actor
from infra.database import session_scope
from infra.errors import FieldProblem, InvalidInput, NotAuthenticated, PermissionDenied
from infra.schemas import ISO_DATE, MAX_INTEGER, is_date_type, is_integer_type
from infra.tenancy.accounts import token_for, token_needs_touch, touch_token
from infra.tenancy.models import User
from infra.tenancy.scope import Scope, scope_for
from infra.text import parse_int64
from portal_api.permissions import RULES, Permission

log = logging.getLogger(__name__)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed before the response is sent; reads never take
    the write lock."""
    state = request.app.state
    factory = (
        state.read_session_factory if request.method in READ_METHODS else state.session_factory
    )
    with session_scope(factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, the departments they reach, and how the audit log names them."""

    user: User
    scope: Scope

    @property
    def actor(self) -> Actor:
        return Actor(username=self.user.username, user_id=self.user.id, role=self.user.role)


def bearer_user(request: Request, session: SessionDep) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("authorization: send 'Authorization: Bearer <api token>'")
    found = token_for(session, token.strip())
    if found is None:
        raise NotAuthenticated("authorization: the token is unknown, expired or revoked")
    if token_needs_touch(found):
        if request.method in READ_METHODS:
            _touch(request, found.id)
        else:  # the request already holds the write lock: a second writer would wait on it
            touch_token(session, token_id=found.id)
    return found.user


def _touch(request: Request, token_id: int) -> None:
    # Best effort in a short writer transaction of its own, so GET requests stay read-only.
    try:
        with session_scope(request.app.state.session_factory) as session:
            touch_token(session, token_id=token_id)
    except OperationalError:
        log.info("could not record the use of token %s (database busy)", token_id)


def current_principal(
    session: SessionDep, user: Annotated[User, Depends(bearer_user)]
) -> Principal:
    return Principal(user=user, scope=scope_for(session, user))


class Allow:
    """Dependency that admits only the roles the permission table gives ``permission``."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.user.role not in RULES[self.permission]:
            raise PermissionDenied(
                f"role: a {principal.user.role.value} may not use {self.permission.value}"
            )
        return principal

    def __repr__(self) -> str:
        return f"Allow({self.permission.value})"


def integers_in_range(request: Request) -> None:
    """The one parser for integer path and query parameters, on every route (installed on the
    app): ASCII digits only (``³`` and ``٣`` are not numbers, ``true`` and ``1.0`` are not
    integers) within what every backend stores (SQLite cannot bind more; PostgreSQL would
    quietly find nothing).  Runs before sign-in, so a bad number is a 422 even anonymously."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    problems = []
    integers, dates = _typed_parameters(route)
    if not integer_path_params_parse(route, dict(request.path_params)):
        _not_this_route(request)
    for name in integers:
        if any(parse_int64(raw) is None for raw in _raw_values(request, name)):
            problems.append(FieldProblem(name, INTEGER_RULE))
    for name in dates:
        if any(not ISO_DATE.match(raw) for raw in _raw_values(request, name)):
            problems.append(FieldProblem(name, "must be an ISO date (YYYY-MM-DD)"))
    if problems:
        raise InvalidInput(*problems)


def _not_this_route(request: Request) -> None:
    """GET /discovery/targets/import reached GET /discovery/targets/{target_id} only because
    routing does not know ids are integers: when other routes take this path, the answer is
    the router's — 405 with their methods; otherwise the 422 below names the parameter."""
    from portal_api.errors import allowed_methods

    allowed = allowed_methods(request)
    if allowed and request.method not in allowed:
        raise StarletteHTTPException(405, headers={"Allow": ", ".join(allowed)})


def integer_path_params_parse(route: object, values: dict[str, str]) -> bool:
    """Whether a route's integer path parameters, given as ``values``, parse."""
    if not isinstance(route, APIRoute):
        return True
    integers, _ = _typed_parameters(route)
    return all(parse_int64(str(values[name])) is not None for name in integers if name in values)


INTEGER_RULE = f"must be an integer in digits 0-9, between {-MAX_INTEGER:,} and {MAX_INTEGER:,}"


def _raw_values(request: Request, name: str) -> list[str]:
    if name in request.path_params:
        return [str(request.path_params[name])]
    return request.query_params.getlist(name)


def _typed_parameters(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """Names of the route's integer and date path and query parameters (its dependencies'
    too), worked out once per route and kept on it (routes are not hashable)."""
    known: tuple[frozenset[str], frozenset[str]] | None = getattr(
        route, "_govcloud_typed_params", None
    )
    if known is None:
        known = _find_typed_parameters(route)
        route._govcloud_typed_params = known  # type: ignore[attr-defined]
    return known


def _find_typed_parameters(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    integers, dates, stack = set(), set(), [route.dependant]
    while stack:
        dependant = stack.pop()
        for param in (*dependant.path_params, *dependant.query_params):
            if is_integer_type(param.field_info.annotation):
                integers.add(param.alias)
            elif is_date_type(param.field_info.annotation):
                dates.add(param.alias)
        stack.extend(dependant.dependencies)
    return frozenset(integers), frozenset(dates)


# Declare on a route streaming server-sent events: ``@router.get(…, responses=EVENT_STREAM)``.
EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events (one `event:`/`data:` block per event)",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def source_of(request: Request) -> str:
    """The caller's address, as sign-in throttling counts it."""
    return request.client.host if request.client else "unknown"


class Public:
    """Marks a route that needs no sign-in (declared, so the matrix test can tell)."""

    def __call__(self) -> None:
        return None


PUBLIC = Depends(Public())

"""Every class of hostile input, at every parameter and body field of every API route.

Generated from the app's own routes (``routes_index.api_routes``): a route added later — by any
domain — is walked the moment it exists.  Every path parameter, query parameter and top-level
body field gets NUL, C0 controls, a bidi override, an unpaired surrogate, a huge string, 2**70
and JSON nested past the limit; integer ones also get unicode digits (``³``, ``٣``, ``１``),
``true``, ``1.5`` and ``1e3``.  Each body also gets invalid UTF-8, bracket nesting 2,000 deep
and an oversized document.  Every probe is one the app must refuse.  Sent as the cloud
office's operator and as
a department user.  Never a 5xx, and nothing stored: every table's row count is unchanged.

Before the fixes this walk found the 500s of issue 14 (unicode digits in ``quota_id``; NUL in
the anonymous login on PostgreSQL; ``sla_terms`` nested 500 deep) and stored NUL, C0 and bidi
characters in names on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.schemas import is_integer_type
from infra.tenancy.enums import Role
from portal_api.routes_index import api_routes
from portal_api.schema.all_models import Base
from tests.portal_api.conftest import SharedWorld

INTEGERS: list[Any] = ["³", "٣", "１", "true", "1.5", "1e3", "99999999999999999999", ""]
TEXTS: list[str] = ["a\x00b", "a\x07b", "a\u202eb", "x" * 20_000]


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


# In JSON bodies the typed forms too (true for an integer, a float, a 2**70).
BODY_VALUES: list[Any] = [*TEXTS, "a\ud800b", 2**70, -(2**70), _nested(40)]
INTEGER_BODY_VALUES: list[Any] = ["³", True, 1.5, "1e3"]
ROLES = (Role.OPERATOR, Role.DEPARTMENT_ADMIN)


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    content_type: str = "application/json"

    def __str__(self) -> str:
        body = (self.body or b"")[:60]
        return f"{self.method} {self.path[:120]}?{self.query[:80]} {body!r}"


def _path_with(path: str, name: str | None, value: str) -> str:
    """``path`` with every parameter set to 1, ``name``'s to ``value`` (percent-encoded)."""
    out = path
    for param in _path_params(path):
        text = quote(value, safe="") if param == name else "1"
        out = out.replace("{" + param + "}", text).replace("{" + param + ":path}", text)
    return out


def _path_params(path: str) -> list[str]:
    names = []
    for part in path.split("{")[1:]:
        names.append(part.split("}")[0].split(":")[0])
    return names


def _params(route: APIRoute, where: str) -> dict[str, bool]:
    """Path or query parameter names (dependencies' too), each with whether it is an integer."""
    found: dict[str, bool] = {}
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        for param in getattr(dependant, f"{where}_params"):
            found[param.alias] = is_integer_type(param.field_info.annotation)
        stack.extend(dependant.dependencies)
    return found


def _body_fields(route: APIRoute) -> tuple[dict[str, bool], bool] | None:
    """Top-level body fields (with whether each is an integer), and whether the body is JSON
    (None: no body)."""
    field = route.body_field
    if field is None:
        return None
    annotation = field.field_info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields
        return {n: is_integer_type(f.annotation) for n, f in fields.items()}, True
    extra = getattr(field.field_info, "media_type", "application/json")
    names = {f.alias: is_integer_type(f.field_info.annotation) for f in route.dependant.body_params}
    return names, "json" in str(extra)


def probes() -> Iterator[Probe]:
    from portal_api.app import create_app

    app = create_app(with_pages=False)
    for api in api_routes(app):
        method, path, route = api.method, api.path, api.route
        path_ints = _params(route, "path")
        for name in _path_params(path):
            for value in [*(INTEGERS if path_ints.get(name) else []), *TEXTS[:3]]:
                yield Probe(method, _path_with(path, name, value))
        plain = _path_with(path, None, "")
        for name, is_int in _params(route, "query").items():
            for value in [*(INTEGERS if is_int else []), *TEXTS]:
                yield Probe(method, plain, query=f"{quote(name)}={quote(value)}")
        body = _body_fields(route)
        if body is None:
            continue
        names, is_json = body
        if not is_json:
            for raw in (b"address\n\x00", b"address\n\xff\xfe", "address\n\u202e".encode()):
                yield Probe(method, plain, body=raw, content_type="text/plain")
            continue
        for name, is_int in names.items():
            for value in [*BODY_VALUES, *(INTEGER_BODY_VALUES if is_int else [])]:
                yield Probe(method, plain, body=json.dumps({name: value}).encode())
        deep = "[" * 2000 + "]" * 2000
        for raw in (b'{"a": "\xff"}', deep.encode(), b'{"a": "' + b"x" * (2 << 20) + b'"}'):
            yield Probe(method, plain, body=raw)


PROBES = list(probes())


def _row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    session.rollback()
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
    }


def test_the_walk_covers_every_route() -> None:
    paths = {probe.path.split("?")[0] for probe in PROBES}
    assert len(PROBES) > 1000
    assert any("/quotas/" in path for path in paths)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value)
def test_no_hostile_input_answers_5xx_or_stores_anything(
    module_world: SharedWorld, role: Role
) -> None:
    client, session, world = module_world.client, module_world.session, module_world.world
    headers = world.headers[role]
    before = _row_counts(session)
    failures = []
    for probe in PROBES:
        url = probe.path + (f"?{probe.query}" if probe.query else "")
        response = client.request(
            probe.method,
            url,
            content=probe.body,
            headers={**headers, "content-type": probe.content_type} if probe.body else headers,
        )
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {probe}: {response.text[:200]}")
        elif response.status_code < 400 and probe.method != "GET":
            failures.append(f"{response.status_code} accepted {probe}")
    assert not failures, "\n".join(failures[:40])
    after = _row_counts(session)
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert not changed, changed

"""Bad input is refused with a 4xx naming the field and the reason, and nothing is written.

Every refusal has the body ``{"error", "message", "fields": [{"field", "message"}]}``; the
database (every table, audit log included) is the same after the request as before it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.tenancy.enums import DepartmentKind, Role
from portal_api.routes_index import api_routes
from portal_api.schema.all_models import Base
from tests import factories
from tests.portal_api.conftest import SharedWorld

W = factories.World


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[W, dict[str, Any]], str]
    body: Callable[[W, dict[str, Any]], Any] | bytes | None
    status: int
    target: str  # the field the refusal must name
    says: str = ""  # a phrase the field's message must contain
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def quota_body(w: W, _: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "department_id": w.own.id,
        "resource": "vcpu",
        "zone": "extranet",
        "limit": 64,
        **changes,
    }


def dept_body(w: W, _: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "code": "archives",
        "name": "档案局",
        "kind": "department",
        "parent_id": w.city.id,
        **changes,
    }


def user_body(w: W, _: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "username": "new-user",
        "display_name": "New User",
        "password": "long-enough-pw",
        "role": "department_user",
        "department_id": w.own.id,
        **changes,
    }


def _quotas(_: W, __: dict[str, Any]) -> str:
    return "/api/v1/quotas"


def _quota(_: W, made: dict[str, Any]) -> str:
    return f"/api/v1/quotas/{made['quota']}"


def _departments(_: W, __: dict[str, Any]) -> str:
    return "/api/v1/departments"


def _own_department(w: W, _: dict[str, Any]) -> str:
    return f"/api/v1/departments/{w.own.id}"


def _users(_: W, __: dict[str, Any]) -> str:
    return "/api/v1/users"


def _user(w: W, _: dict[str, Any]) -> str:
    return f"/api/v1/users/{w.users[Role.DEPARTMENT_USER].id}"


JSON = {"content-type": "application/json"}
HUGE = 10**30

CASES = [
    # -- not JSON at all
    Case("malformed JSON", "POST", _quotas, b'{"department_id": ', 422, "body", "malformed JSON"),
    Case("not UTF-8", "POST", _quotas, b"\xff\xfe{}", 422, "body", "not valid UTF-8"),
    Case("a list, not an object", "POST", _quotas, b"[1, 2]", 422, "body", "dictionary"),
    Case("no body", "POST", _quotas, b"", 422, "body", "required"),
    Case(
        "a form, not JSON",
        "POST",
        _quotas,
        b"limit=5",
        422,
        "body",
        "dictionary",
        {"content-type": "application/x-www-form-urlencoded"},
    ),
    # -- wrong types
    Case(
        "id as text",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, department_id="police"),
        422,
        "department_id",
        "integer",
    ),
    Case(
        "limit as boolean",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit=True),
        422,
        "limit",
        "not true or false",
    ),
    Case(
        "limit with a fraction",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit=1.5),
        422,
        "limit",
        "fractional",
    ),
    Case(
        "limit as words",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit="lots"),
        422,
        "limit",
        "integer",
    ),
    Case(
        "limit as object",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit={"n": 1}),
        422,
        "limit",
        "integer",
    ),
    Case(
        "unknown resource",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, resource="gpu"),
        422,
        "resource",
        "vcpu",
    ),
    Case(
        "null where required",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, zone=None),
        422,
        "zone",
    ),
    # -- unknown and missing fields
    Case(
        "unknown field",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, colour="red"),
        422,
        "colour",
        "unknown field",
    ),
    Case(
        "missing field",
        "POST",
        _quotas,
        lambda w, m: {k: v for k, v in quota_body(w, m).items() if k != "limit"},
        422,
        "limit",
        "required",
    ),
    # -- negative and absurd quotas
    Case(
        "negative quota",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit=-1),
        422,
        "limit",
        "greater than or equal to 0",
    ),
    Case(
        "absurd quota",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit=10**9),
        422,
        "limit",
        "at most 100,000",
    ),
    Case(
        "quota beyond any integer",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, limit=HUGE),
        422,
        "limit",
        "between",
    ),
    Case(
        "id beyond any integer",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, department_id=HUGE),
        422,
        "department_id",
        "between",
    ),
    Case(
        "no such department",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, department_id=999_999),
        422,
        "department_id",
        "does not exist",
    ),
    Case(
        "classified zone",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, zone="intranet"),
        422,
        "zone",
        "never hosts",
    ),
    Case(
        "duplicate quota",
        "POST",
        _quotas,
        lambda w, m: quota_body(w, m, department_id=m["quota_dept"]),
        409,
        "resource",
        "already has a vcpu quota",
    ),
    Case(
        "negative quota update",
        "PATCH",
        _quota,
        lambda w, m: {"limit": -5},
        422,
        "limit",
        "greater than or equal to 0",
    ),
    Case(
        "absurd quota update",
        "PATCH",
        _quota,
        lambda w, m: {"limit": 10**9},
        422,
        "limit",
        "at most 100,000",
    ),
    Case(
        "quota update of a fixed field",
        "PATCH",
        _quota,
        lambda w, m: {"zone": "internet"},
        422,
        "zone",
        "unknown field",
    ),
    # -- departments
    Case(
        "duplicate department code",
        "POST",
        _departments,
        lambda w, m: dept_body(w, m, code=w.other.code),
        409,
        "code",
        "already exists",
    ),
    Case(
        "over-long code",
        "POST",
        _departments,
        lambda w, m: dept_body(w, m, code="a" * 64),
        422,
        "code",
        "pattern",
    ),
    Case(
        "code with capitals",
        "POST",
        _departments,
        lambda w, m: dept_body(w, m, code="Archives"),
        422,
        "code",
        "pattern",
    ),
    Case(
        "over-long name",
        "POST",
        _departments,
        lambda w, m: dept_body(w, m, name="名" * 201),
        422,
        "name",
        "at most 200",
    ),
    Case(
        "blank name",
        "POST",
        _departments,
        lambda w, m: dept_body(w, m, name="   "),
        422,
        "name",
        "at least 1",
    ),
    Case(
        "section under the city",
        "POST",
        _departments,
        lambda w, m: dept_body(w, m, kind="section"),
        422,
        "parent_id",
        "must be a department",
    ),
    Case(
        "own parent",
        "PATCH",
        _own_department,
        lambda w, m: {"parent_id": w.own.id},
        422,
        "parent_id",
    ),
    Case(
        "name removed",
        "PATCH",
        _own_department,
        lambda w, m: {"name": None},
        422,
        "name",
        "may not be empty",
    ),
    Case(
        "over-long English name",
        "PATCH",
        _own_department,
        lambda w, m: {"name_en": "x" * 201},
        422,
        "name_en",
        "at most 200",
    ),
    # -- users and tokens
    Case(
        "duplicate username",
        "POST",
        _users,
        lambda w, m: user_body(w, m, username=w.users[Role.AUDITOR].username),
        409,
        "username",
        "is taken",
    ),
    Case(
        "over-long username",
        "POST",
        _users,
        lambda w, m: user_body(w, m, username="u" * 65),
        422,
        "username",
        "pattern",
    ),
    Case(
        "over-long display name",
        "POST",
        _users,
        lambda w, m: user_body(w, m, display_name="n" * 201),
        422,
        "display_name",
        "at most 200",
    ),
    Case(
        "short password",
        "POST",
        _users,
        lambda w, m: user_body(w, m, password="short"),
        422,
        "password",
        "at least 12",
    ),
    Case(
        "over-long password",
        "POST",
        _users,
        lambda w, m: user_body(w, m, password="p" * 257),
        422,
        "password",
        "at most 256",
    ),
    Case(
        "unknown role",
        "POST",
        _users,
        lambda w, m: user_body(w, m, role="mayor"),
        422,
        "role",
        "operator",
    ),
    Case(
        "department user without department",
        "POST",
        _users,
        lambda w, m: user_body(w, m, department_id=None),
        422,
        "department_id",
        "must belong to a department",
    ),
    Case(
        "unknown locale", "POST", _users, lambda w, m: user_body(w, m, locale="fr"), 422, "locale"
    ),
    Case(
        "role removed", "PATCH", _user, lambda w, m: {"role": None}, 422, "role", "may not be null"
    ),
    Case(
        "activity as text",
        "PATCH",
        _user,
        lambda w, m: {"is_active": "perhaps"},
        422,
        "is_active",
        "boolean",
    ),
    Case(
        "over-long token name",
        "POST",
        lambda w, m: "/api/v1/auth/tokens",
        lambda w, m: {"name": "t" * 101},
        422,
        "name",
        "at most 100",
    ),
    Case(
        "token that never lasts",
        "POST",
        lambda w, m: "/api/v1/auth/tokens",
        lambda w, m: {"name": "ci", "expires_in_days": 0},
        422,
        "expires_in_days",
    ),
    # -- path and query parameters
    Case(
        "path id beyond any integer",
        "PATCH",
        lambda w, m: f"/api/v1/quotas/{HUGE}",
        lambda w, m: {"limit": 5},
        422,
        "quota_id",
        "between",
    ),
    Case(
        "path id as text",
        "PATCH",
        lambda w, m: "/api/v1/quotas/first",
        lambda w, m: {"limit": 5},
        422,
        "quota_id",
        "integer",
    ),
    Case(
        "page size too big",
        "GET",
        lambda w, m: "/api/v1/quotas?limit=100000",
        None,
        422,
        "limit",
        "less than or equal to 500",
    ),
    Case(
        "filter as text",
        "GET",
        lambda w, m: "/api/v1/quotas?department_id=police",
        None,
        422,
        "department_id",
        "integer",
    ),
    Case(
        "filter beyond any integer",
        "GET",
        lambda w, m: f"/api/v1/quotas?department_id={HUGE}",
        None,
        422,
        "department_id",
        "between",
    ),
    Case(
        "page offset beyond any integer",
        "GET",
        lambda w, m: f"/api/v1/quotas?offset={HUGE}",
        None,
        422,
        "offset",
        "9,223,372,036,854,775,807",  # the list component's offset: within 64 bits
    ),
    Case(
        "event id beyond any integer",
        "GET",
        lambda w, m: "/api/v1/jobs/0123456789abcdef/stream",
        None,
        422,
        "last-event-id",
        "less than or equal to",
        {"Last-Event-ID": str(HUGE)},
    ),
]


def fingerprint(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (what a refused request must leave exactly as it was)."""
    session.rollback()  # a fresh snapshot: see what the app committed
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name != "last_used_at"]  # token use, not data
        rows[table.name] = sorted(map(tuple, session.execute(select(*columns))), key=repr)
    return rows


@pytest.fixture(scope="module")
def made(module_world: SharedWorld) -> dict[str, Any]:
    """A quota in a section of the world's own department, for the cases to run into."""
    section = factories.department(
        module_world.session, kind=DepartmentKind.SECTION, parent=module_world.world.own
    )
    quota = factories.quota(module_world.session, dept=section)
    return {"quota": quota.id, "quota_dept": section.id}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    module_world: SharedWorld, made: dict[str, Any], case: Case
) -> None:
    raw_client, session, w = module_world.client, module_world.session, module_world.world
    before = fingerprint(session)

    headers = {**w.headers[Role.OPERATOR], **JSON, **case.headers}
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(case.body, bytes):
        kwargs["content"] = case.body
    elif case.body is not None:
        kwargs["content"] = json.dumps(case.body(w, made))
    response = raw_client.request(case.method, case.path(w, made), **kwargs)

    assert response.status_code == case.status, response.text
    body = response.json()
    assert set(body) == {"error", "code", "params", "message", "fields"}
    assert body["code"] == body["error"]
    # A clash names its kind (name_taken, quota_exists...); every one is a conflict.
    conflicts = {"conflict", "name_taken", "quota_exists"}
    assert body["error"] in (conflicts if case.status == 409 else {"invalid_input"})
    named = {f["field"]: f["message"] for f in body["fields"]}
    assert case.target in named, body
    assert case.says.lower() in named[case.target].lower(), body
    assert case.target in body["message"]
    assert fingerprint(session) == before


NASTY_BODIES: list[bytes] = [
    b"",
    b"null",
    b'"text"',
    b"[]",
    b"{",
    b'{"a": NaN}',
    b'{"limit": 1e400, "name": "' + b"x" * 5000 + b'"}',
    json.dumps({"department_id": -(10**40), "parent_id": True, "name": None}).encode(),
    json.dumps({"x" * 200: [{}] * 50}).encode(),
]


def test_no_write_route_answers_nasty_bodies_with_a_server_error(
    api_app: FastAPI, module_world: SharedWorld
) -> None:
    """Every route that takes a body (today's and tomorrow's), with bodies no schema expects:
    always a 4xx in the house format, never a 500, and nothing written."""
    raw_client, session, w = module_world.client, module_world.session, module_world.world
    headers = {**w.headers[Role.OPERATOR], **JSON}
    before = fingerprint(session)
    failures = []
    for route in api_routes(api_app):
        if route.method not in ("POST", "PUT", "PATCH") or route.route.body_field is None:
            continue
        path = route.path.replace("{", "").replace("}", "")
        path = "/".join("1" if part.endswith("_id") else part for part in path.split("/"))
        for nasty in NASTY_BODIES:
            response = raw_client.request(route.method, path, content=nasty, headers=headers)
            shape_ok = response.status_code < 500 and set(response.json()) == {
                "error",
                "code",
                "params",
                "message",
                "fields",
            }
            if not shape_ok or response.status_code < 400:
                failures.append(f"{route.method} {path} {nasty[:40]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert fingerprint(session) == before


def test_list_filters_apply_and_unknown_query_parameters_are_ignored(
    module_world: SharedWorld,
) -> None:
    raw_client, session, w = module_world.client, module_world.session, module_world.world
    own = factories.quota(session, dept=w.own)
    factories.quota(session, dept=w.other)
    headers = w.headers[Role.OPERATOR]
    filtered = raw_client.get(
        f"/api/v1/quotas?department_id={w.own.id}&limit=10&colour=red", headers=headers
    )
    assert filtered.status_code == 200, filtered.text
    assert [q["id"] for q in filtered.json()["items"]] == [own.id]
    section = factories.department(session, kind=DepartmentKind.SECTION, parent=w.other)
    sections = raw_client.get(f"/api/v1/departments?parent_id={w.other.id}", headers=headers)
    assert [d["id"] for d in sections.json()["items"]] == [section.id]

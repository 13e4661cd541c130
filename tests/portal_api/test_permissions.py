"""The API permission matrix, generated from the app's own routes.

Every API route × every role: a role the permission table (portal_api/permissions.py) does not
give the route's permission gets 403 whatever the path parameters; a role it does give never
gets 403 (nor 401, nor a 5xx).  Routes added later are covered by the role dimension without
any change here.

The own-versus-other-department dimension is declared per resource below (``RESOURCES``: how to
make one object of that kind in a given department): a department member gets 404 — not 403 —
for another department's object, and reaches its own; the cloud office reaches both; a
provider representative reaches neither.  A path parameter that is neither declared there nor
listed as not department-scoped fails ``test_every_path_parameter_is_declared``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.inventory.models import Host, Provider
from infra.migration.models import LegacySystem
from infra.tenancy.enums import DepartmentKind, Role
from infra.tenancy.models import Department
from infra.tenancy.requests.models import ResourceRequest
from monitoring.incidents import service as incident_service
from monitoring.incidents.models import Incident
from monitoring.services.models import MonitoredService
from portal_api import access
from portal_api.deps import PUBLIC, Allow
from portal_api.permissions import RULES, Permission, allowed
from portal_api.routes_index import ApiRoute, api_routes, declared_access, declared_accesses
from tests import factories, request_factories
from tests.billing import factories as billing_factories
from tests.infra.migration import builders as migration_builders
from tests.monitoring import factories as monitoring_factories
from tests.portal_api.conftest import SharedWorld

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
MISSING = "999999"  # an id no test object has


# -- the department dimension, declared per resource ----------------------------------------


@dataclass(frozen=True)
class Scoped:
    """A department-scoped object behind a path parameter: ``make`` builds a fresh one in the
    given department (or below it) and returns its key."""

    make: Callable[[Session, Department], object]
    listed_at: str  # the collection the object appears in (``items`` of a page)


def _section(session: Session, dept: Department) -> Department:
    return factories.department(session, kind=DepartmentKind.SECTION, parent=dept)


def _request(session: Session, dept: Department) -> ResourceRequest:
    """A draft resource request filed by a member of ``dept`` (with hosts to file it for)."""
    if session.scalar(select(Host.id).limit(1)) is None:
        request_factories.cloud(session)
        session.commit()
    return request_factories.request(
        session, factories.user(session, role=Role.DEPARTMENT_USER, dept=dept)
    )


RESOURCES: dict[str, Scoped] = {
    "department_id": Scoped(lambda s, d: _section(s, d).id, "/api/v1/departments"),
    "quota_id": Scoped(lambda s, d: factories.quota(s, dept=_section(s, d)).id, "/api/v1/quotas"),
    "user_id": Scoped(
        lambda s, d: factories.user(s, role=Role.DEPARTMENT_USER, dept=d).id, "/api/v1/users"
    ),
    "job_id": Scoped(lambda s, d: factories.job(s, dept=d).id, "/api/v1/jobs"),
    "request_id": Scoped(lambda s, d: _request(s, d).id, "/api/v1/requests"),
    "system_id": Scoped(lambda s, d: _legacy_system(s, d).id, "/api/v1/migration/systems"),
    "service_id": Scoped(lambda s, d: _service(s, d).id, "/api/v1/monitoring/services"),
    "incident_id": Scoped(lambda s, d: _incident(s, d).id, "/api/v1/incidents"),
    "invoice_id": Scoped(
        lambda s, d: billing_factories.invoice(s, d).id, "/api/v1/billing/invoices"
    ),
}

# Path parameters that do not name department data, and why.
NOT_DEPARTMENT_SCOPED: dict[str, str] = {
    "token_id": "a user's own API tokens: another user's token is not found (test_auth)",
    "kind": "a survey sheet kind (rooms, servers, …), not an object",
    "rule_id": "approval rules are the cloud office's configuration: only operators delete one",
    "window_id": "maintenance windows are a provider's; only operators decide them",
    "slo_id": "an SLO is seen through its service or provider (tests/monitoring/test_api.py)",
    "enrolment_id": "host agents' enrolments are the cloud office's: only operators revoke one",
    "name": "a schedule's name: periodic work is the cloud office's, not a department's",
}

# Inventory objects, discovery targets and migration runs are their floors' to declare here
# (each owns its scoping rules); until then they get the role dimension only.  Provider data
# (providers, cloud sites, racks, hosts) also gets the provider dimension: PROVIDER_RESOURCES.
DECLARED_BY_OWNER: dict[str, str] = {
    "provider_id": "inventory (provider dimension below)",
    "site_id": "inventory (provider dimension below)",
    "host_id": "inventory (provider dimension below)",
    "rack_id": "inventory (provider dimension below)",
    "subnet_id": "inventory",
    "target_id": "discovery",
    "run_id": "migration",
    "assessment_id": "assessment (provider-scoped: tests/portal_api/test_assessments_api.py)",
}


def _service(session: Session, dept: Department) -> MonitoredService:
    """A monitored service of ``dept`` run by a fresh provider (no world user represents it)."""
    return monitoring_factories.service(
        session, dept=dept, prov=monitoring_factories.provider(session)
    )


def _incident(session: Session, dept: Department) -> Incident:
    made = incident_service.open_from_probe(
        session, service=_service(session, dept), error="down", at=utcnow()
    )
    session.commit()
    assert made is not None
    return made


def _legacy_system(session: Session, dept: Department) -> LegacySystem:
    """A legacy system of ``dept`` (its application registered in the inventory)."""
    made = migration_builders.legacy_system(session, dept)
    session.commit()
    return made


# Bodies for write routes whose body has required fields, so that a request about an object
# outside the caller's scope reaches the scope check (422 would otherwise come first).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/quotas/{quota_id}"): {"limit": 5},
    ("POST", "/api/v1/requests/{request_id}/reject"): {"reason": "not needed"},
    ("POST", "/api/v1/billing/invoices/{invoice_id}/credit-notes"): {
        "reason": "correction",
        "lines": [{"position": 1, "amount": "0.10"}],
    },
    ("PUT", "/api/v1/billing/budgets/{department_id}"): {"monthly_amount": "1000.00"},
    ("POST", "/api/v1/requests/{request_id}/renew"): {"ends_on": "2031-12-31"},
    ("POST", "/api/v1/requests/{request_id}/changes"): {
        "justification": "grow",
        "items": [{"target_item_id": 1, "vcpu": 1}],
    },
}

# Required query parameters, so that a request reaches the scope check (422 would come first).
_QUARTER = {"start": "2026-03-31T16:00:00Z", "end": "2026-06-30T16:00:00Z"}
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/providers/{provider_id}/service-levels"): _QUARTER,
    ("GET", "/api/v1/providers/{provider_id}/incident-stats"): _QUARTER,
}

# Whom each side's objects are visible to (when the role may use the route at all).
SEES_OWN = frozenset(Role) - {Role.PROVIDER_REP}
SEES_OTHER = frozenset({Role.OPERATOR, Role.FINANCE, Role.MANAGER, Role.AUDITOR})


# -- fixtures ---------------------------------------------------------------------------------


def _routes() -> list[ApiRoute]:
    from portal_api.app import create_app

    return list(api_routes(create_app(with_pages=False)))


ROUTES = _routes()


def _call(
    client: TestClient, route: ApiRoute, values: dict[str, object], headers: dict[str, str]
) -> Any:
    path = PARAM.sub(lambda m: str(values.get(m.group(1), MISSING)), route.path)
    kwargs: dict[str, Any] = {"headers": headers}
    if route.method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = BODIES.get((route.method, route.path), {})
    if (route.method, route.path) in QUERIES:
        kwargs["params"] = QUERIES[(route.method, route.path)]
    return client.request(route.method, path, **kwargs)


def _params(route: ApiRoute) -> list[str]:
    return PARAM.findall(route.path)


def _id(route: ApiRoute) -> str:
    return f"{route.method} {route.path.removeprefix('/api/v1')}"


# -- the declarations themselves --------------------------------------------------------------


def test_routes_are_found() -> None:
    paths = {(r.method, r.path) for r in ROUTES}
    assert ("GET", "/api/v1/quotas") in paths
    assert ("POST", "/api/v1/audit/verify") in paths
    assert len(ROUTES) > 30


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_every_route_declares_exactly_one_access(route: ApiRoute) -> None:
    found = declared_accesses(route.route)
    assert len(found) == 1, (
        f"{_id(route)} declares {found or 'nothing'}: give it exactly one Allow(Permission.X) "
        "dependency (portal_api/deps.py) or PUBLIC"
    )


def test_the_declaration_check_catches_undeclared_and_doubly_declared_routes() -> None:
    router = APIRouter(prefix="/api/v1")

    @router.get("/bare")
    def bare() -> None: ...

    @router.get("/twice", dependencies=[PUBLIC])
    def twice(who: access.QuotaRead) -> None: ...

    @router.get("/once", dependencies=[Depends(Allow(Permission.QUOTA_READ))])
    def once() -> None: ...

    toy = FastAPI()
    toy.include_router(router)
    counted = {r.path: sorted(map(str, declared_accesses(r.route))) for r in api_routes(toy)}
    assert counted == {
        "/api/v1/bare": [],
        "/api/v1/twice": ["public", "quota:read"],
        "/api/v1/once": ["quota:read"],
    }


def test_every_permission_has_a_rule() -> None:
    assert set(RULES) == set(Permission)
    for permission, roles in RULES.items():
        assert roles, f"{permission} is given to no role"


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_every_path_parameter_is_declared(route: ApiRoute) -> None:
    known = RESOURCES.keys() | NOT_DEPARTMENT_SCOPED.keys() | DECLARED_BY_OWNER.keys()
    undeclared = [p for p in _params(route) if p not in known]
    assert not undeclared, (
        f"{_id(route)}: declare {undeclared} in RESOURCES (department-scoped: how to make one) "
        "or NOT_DEPARTMENT_SCOPED (with the reason)"
    )


# -- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_anonymous_callers_are_refused_unless_the_route_is_public(
    module_world: SharedWorld, route: ApiRoute
) -> None:
    response = _call(module_world.client, route, {}, {})
    assert response.status_code < 500, response.text
    if declared_access(route.route) == "public":
        assert response.status_code != 401, response.text
    else:
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if declared_access(r.route) != "public"], ids=_id
)
def test_role_and_department_matrix(module_world: SharedWorld, route: ApiRoute) -> None:
    access = declared_access(route.route)
    assert isinstance(access, Permission)
    session, w = module_world.session, module_world.world
    scoped = [p for p in _params(route) if p in RESOURCES]
    failures: list[str] = []

    def check(role: Role, side: str, expected: str, response: Any) -> None:
        status = response.status_code
        ok = {
            "denied": status == 403,
            "hidden": status == 404,
            "reached": status < 500 and status not in (401, 403, 404),
            "not denied": status < 500 and status not in (401, 403),
        }[expected]
        if ok and expected == "denied":
            body = response.json()
            ok = body["error"] == "permission_denied" and body["fields"][0]["field"] == "role"
        if not ok:
            failures.append(
                f"{role.value} on {side}: expected {expected}, got {status} {response.text[:200]}"
            )

    for role in Role:
        headers = w.headers[role]
        sides = {"own": w.own, "other": w.other} if scoped else {"no object": None}
        for side, dept in sides.items():
            values = {p: RESOURCES[p].make(session, dept) for p in scoped} if dept else {}
            response = _call(module_world.client, route, values, headers)
            if not allowed(role, access):
                check(role, side, "denied", response)
            elif not scoped:
                check(role, side, "not denied", response)
            else:
                sees = SEES_OWN if side == "own" else SEES_OTHER
                check(role, side, "reached" if role in sees else "hidden", response)
    assert not failures, f"{_id(route)} ({access.value}):\n" + "\n".join(failures)


@pytest.mark.parametrize("param", sorted(RESOURCES))
def test_collections_show_each_role_only_what_it_may_see(
    module_world: SharedWorld, param: str
) -> None:
    resource = RESOURCES[param]
    route = next(r for r in ROUTES if r.method == "GET" and r.path == resource.listed_at)
    access = declared_access(route.route)
    assert isinstance(access, Permission)
    session, w = module_world.session, module_world.world
    own, other = resource.make(session, w.own), resource.make(session, w.other)
    for role in Role:
        response = module_world.client.get(
            f"{resource.listed_at}?limit=500", headers=w.headers[role]
        )
        if not allowed(role, access):
            assert response.status_code == 403, (role, response.text)
            continue
        assert response.status_code == 200, (role, response.text)
        body = response.json()
        listed = {item["id"] for item in (body["items"] if isinstance(body, dict) else body)}
        assert (own in listed) == (role in SEES_OWN), (role, "own")
        assert (other in listed) == (role in SEES_OTHER), (role, "other")


# -- the provider dimension -------------------------------------------------------------------


def _estate(session: Session, provider: Provider) -> factories.ProviderEstate:
    return factories.provider_estate(session, provider)


# A provider's object behind a path parameter, and the collection listing it: ``make`` builds
# one for the given provider and returns its key.
PROVIDER_RESOURCES: dict[str, tuple[Callable[[Session, Provider], int], str]] = {
    "provider_id": (lambda s, p: p.id, "/api/v1/inventory/providers"),
    "site_id": (lambda s, p: _estate(s, p).site_id, "/api/v1/inventory/sites"),
    "rack_id": (lambda s, p: _estate(s, p).rack_id, "/api/v1/inventory/racks"),
    "host_id": (lambda s, p: _estate(s, p).host_id, "/api/v1/inventory/hosts"),
    "contract_id": (lambda s, p: _estate(s, p).contract_id, "/api/v1/inventory/contracts"),
}
_OFFICE = frozenset({Role.OPERATOR, Role.FINANCE, Role.MANAGER, Role.AUDITOR})
# Who sees a provider's object, by its kind: a provider's name is public to whoever sees
# department data; its contracts, cloud sites, racks and hosts only to itself and the office.
PROVIDER_SEES_OWN: dict[str, frozenset[Role]] = {
    "provider_id": frozenset(Role),
    **{p: _OFFICE | {Role.PROVIDER_REP} for p in ("site_id", "rack_id", "host_id", "contract_id")},
}
PROVIDER_SEES_OTHER: dict[str, frozenset[Role]] = {
    "provider_id": frozenset(Role) - {Role.PROVIDER_REP},
    **dict.fromkeys(("site_id", "rack_id", "host_id", "contract_id"), _OFFICE),
}


# Routes under a provider that show its service figures (provider data, like its contracts):
# its own representative and the office, not departments, whatever the parameter's kind.
PROVIDER_FIGURES = frozenset(path for _, path in QUERIES)


def _provider_params(route: ApiRoute) -> list[str]:
    return [p for p in _params(route) if p in PROVIDER_RESOURCES]


@pytest.mark.parametrize("route", [r for r in ROUTES if _provider_params(r)], ids=_id)
def test_provider_matrix(module_world: SharedWorld, route: ApiRoute) -> None:
    """Provider × other provider: a provider representative gets 404 for another provider's
    objects and reaches its own; departments reach providers' names and none of their cloud
    estate; the office reaches all.  Catches a provider-data route scoped by department only
    (the rep would see nothing, or every provider)."""
    access = declared_access(route.route)
    assert isinstance(access, Permission)
    session, w = module_world.session, module_world.world
    assert w.provider is not None
    [param] = _provider_params(route)
    make = PROVIDER_RESOURCES[param][0]
    failures: list[str] = []
    for role in Role:
        if not allowed(role, access):
            continue
        for side, provider in {
            "own": w.provider,
            "other": factories.make_provider(session),
        }.items():
            response = _call(
                module_world.client, route, {param: make(session, provider)}, w.headers[role]
            )
            sees = (PROVIDER_SEES_OWN if side == "own" else PROVIDER_SEES_OTHER)[param]
            if route.path in PROVIDER_FIGURES:
                sees = _OFFICE | ({Role.PROVIDER_REP} if side == "own" else set())
            status = response.status_code
            ok = (status < 500 and status not in (401, 403, 404)) if role in sees else status == 404
            if not ok:
                expected = "reached" if role in sees else "404"
                failures.append(
                    f"{role.value} on {side} provider: expected {expected}, got {status}"
                )
    assert not failures, f"{_id(route)} ({access.value}):\n" + "\n".join(failures)


@pytest.mark.parametrize("param", sorted(PROVIDER_RESOURCES))
def test_provider_collections_show_each_role_only_its_providers(
    module_world: SharedWorld, param: str
) -> None:
    make, listed_at = PROVIDER_RESOURCES[param]
    session, w = module_world.session, module_world.world
    assert w.provider is not None
    own, other = make(session, w.provider), make(session, factories.make_provider(session))
    for role in Role:
        response = module_world.client.get(f"{listed_at}?limit=500", headers=w.headers[role])
        assert response.status_code == 200, (role, response.text)
        listed = {item["id"] for item in response.json()["items"]}
        assert (own in listed) == (role in PROVIDER_SEES_OWN[param]), (role, "own")
        assert (other in listed) == (role in PROVIDER_SEES_OTHER[param]), (role, "other")

"""Who may call the request endpoints, and what another department sees of them (nothing)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from portal_api.app import create_app
from portal_api.permissions import RULES, Permission
from portal_api.routes_index import api_routes, declared_access
from tests import factories
from tests import request_factories as rf
from tests.request_factories import Scene

API = "/api/v1/requests"
NEW_PREFIXES = ("/api/v1/requests", "/api/v1/usage", "/api/v1/approval-rules")


def _routes() -> list[tuple[str, str, Permission]]:
    """(method, path, permission) of every route this area added, read from the app."""
    found = []
    for entry in api_routes(create_app(with_pages=False)):
        if entry.path.startswith(NEW_PREFIXES):
            access = declared_access(entry.route)
            assert isinstance(access, Permission), f"{entry.path} declares {access}"
            found.append((entry.method, entry.path, access))
    return found


def test_permission_matrix_of_the_new_endpoints(client: TestClient, scene: Scene) -> None:
    routes = _routes()
    assert len(routes) >= 18
    for method, path, permission in routes:
        url = path.replace("{request_id}", "999999").replace("{rule_id}", "999999")
        for role in Role:
            response = client.request(method, url, headers=scene.headers(role), json={})
            if role in RULES[permission]:
                assert response.status_code != 403, (method, path, role, response.text)
            else:
                assert response.status_code == 403, (method, path, role, response.status_code)
                assert permission.value in response.json()["message"]
        assert client.request(method, url, json={}).status_code == 401


def test_another_department_never_sees_a_request(
    client: TestClient, session: Session, scene: Scene
) -> None:
    mine = client.post(API, json=rf.body(submit=True), headers=scene.headers(Role.DEPARTMENT_USER))
    request_id = mine.json()["id"]
    outsider_user = factories.bearer(
        session, factories.user(session, role=Role.DEPARTMENT_USER, dept=scene.world.other)
    )
    outsider_admin = factories.bearer(
        session, factories.user(session, role=Role.DEPARTMENT_ADMIN, dept=scene.world.other)
    )
    for path in ("", "/history", "/allocations"):
        assert client.get(f"{API}/{request_id}{path}", headers=outsider_user).status_code == 404
    for action, body in (
        ("submit", None),
        ("withdraw", None),
        ("release", None),
        ("renew", {"ends_on": "2099-01-01"}),
        ("changes", {"justification": "more", "items": [{"target_item_id": 1, "vcpu": 1}]}),
    ):
        response = client.post(f"{API}/{request_id}/{action}", json=body, headers=outsider_user)
        assert response.status_code == 404, (action, response.text)
    for action, body in (("approve", {}), ("reject", {"reason": "not yours"})):
        response = client.post(f"{API}/{request_id}/{action}", json=body, headers=outsider_admin)
        assert response.status_code == 404, (action, response.text)
    assert client.get(API, headers=outsider_user).json()["items"] == []
    assert client.get(f"{API}/queue", headers=outsider_admin).json() == []
    assert client.get("/api/v1/usage", headers=outsider_user).json() == []
    own_usage = client.get(
        f"/api/v1/usage?department_id={scene.world.own.id}", headers=outsider_user
    )
    assert own_usage.json() == []
    # Filing for another department is refused without saying whether it exists.
    filed = client.post(API, json=rf.body(department_id=scene.world.own.id), headers=outsider_user)
    assert filed.status_code == 422
    assert filed.json()["fields"][0]["field"] == "department_id"
    # The office sees it; the auditor reads but cannot act.
    assert client.get(f"{API}/{request_id}", headers=scene.headers(Role.AUDITOR)).status_code == 200
    assert (
        client.post(f"{API}/{request_id}/withdraw", headers=scene.headers(Role.AUDITOR)).status_code
        == 403
    )


def test_quota_refusal_over_http(client: TestClient, scene: Scene) -> None:
    response = client.post(
        API,
        json=rf.body(rf.item(vcpu=65), submit=True),
        headers=scene.headers(Role.DEPARTMENT_USER),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "quota_exceeded"
    assert body["fields"][0]["field"] == "items"
    assert (
        f"department {scene.world.own.code} may hold 64 vcpu in zone extranet: 0 in use, "
        "0 reserved, 65 requested (1 over the limit)"
    ) in body["fields"][0]["message"]
    # The code and its facts, for clients that say it in their own words or language.
    assert body["code"] == "quota_exceeded"
    assert body["params"]["shortfalls"] == [
        {
            "department": scene.world.own.code,
            "resource": "vcpu",
            "zone": "extranet",
            "limit": 64,
            "in_use": 0,
            "reserved": 0,
            "requested": 65,
            "over_by": 1,
        }
    ]
    assert client.get(API, headers=scene.headers(Role.DEPARTMENT_USER)).json()["total"] == 0


def test_idempotency_key_makes_retries_harmless(client: TestClient, scene: Scene) -> None:
    headers = {**scene.headers(Role.DEPARTMENT_USER), "Idempotency-Key": "a1b2-retry"}
    first = client.post(API, json=rf.body(rf.item(vcpu=8), submit=True), headers=headers)
    assert first.status_code == 201
    again = client.post(API, json=rf.body(rf.item(vcpu=8), submit=True), headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = client.get(API, headers=headers).json()
    assert listed["total"] == 1
    usage = client.get("/api/v1/usage", headers=headers).json()
    assert next(r for r in usage if r["resource"] == "vcpu")["reserved"] == 8
    different = client.post(API, json=rf.body(rf.item(vcpu=9), submit=True), headers=headers)
    assert different.status_code == 409
    assert different.json()["fields"][0]["field"] == "Idempotency-Key"
    # The key belongs to its user: another user's identical key files a request of its own.
    other = {**scene.headers(Role.DEPARTMENT_ADMIN), "Idempotency-Key": "a1b2-retry"}
    assert client.post(API, json=rf.body(rf.item(vcpu=8)), headers=other).status_code == 201

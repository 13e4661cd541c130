"""Accounts through the API: a department admin cannot escalate, reach out, or touch others'
tokens; bearer tokens stop working when revoked, expired or their user is deactivated."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.tenancy.enums import Role
from infra.tenancy.models import ApiToken, User
from tests import factories


@pytest.fixture
def w(session: Session) -> factories.World:
    return factories.world(session)


def _user(session: Session, user_id: int) -> User:
    session.rollback()
    return session.get_one(User, user_id)


@pytest.mark.parametrize(
    ("target", "body", "status", "field"),
    [
        ("clerk", {"role": "operator"}, 403, "role"),
        ("clerk", {"role": "auditor", "department_id": None}, 403, "role"),
        ("self", {"role": "operator", "department_id": None}, 403, "role"),
        ("clerk", {"department_id": "other"}, 422, "department_id"),
        ("clerk", {"department_id": None}, 422, "department_id"),
        ("operator", {"display_name": "Owned"}, 404, None),
        ("outsider", {"is_active": False}, 404, None),
    ],
)
def test_department_admin_cannot_escalate_or_reach_outside(
    client: TestClient,
    session: Session,
    w: factories.World,
    target: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    admin = w.users[Role.DEPARTMENT_ADMIN]
    targets = {
        "clerk": w.users[Role.DEPARTMENT_USER],
        "self": admin,
        "operator": w.users[Role.OPERATOR],
        "outsider": factories.user(session, role=Role.DEPARTMENT_USER, dept=w.other),
    }
    user = targets[target]
    before = (user.role, user.department_id, user.display_name, user.is_active)
    body = {k: (w.other.id if v == "other" else v) for k, v in body.items()}
    response = client.patch(
        f"/api/v1/users/{user.id}", json=body, headers=w.headers[Role.DEPARTMENT_ADMIN]
    )
    assert response.status_code == status, response.text
    if field:
        assert [f["field"] for f in response.json()["fields"]] == [field]
    after = _user(session, user.id)
    assert (after.role, after.department_id, after.display_name, after.is_active) == before


def test_department_admin_manages_its_subtree(
    client: TestClient, session: Session, w: factories.World
) -> None:
    headers = w.headers[Role.DEPARTMENT_ADMIN]
    created = client.post(
        "/api/v1/users",
        json={
            "username": "section-clerk",
            "display_name": "Section clerk",
            "password": "long-enough-pw",
            "role": "department_user",
            "department_id": w.section.id,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    promoted = client.patch(
        f"/api/v1/users/{created.json()['id']}", json={"role": "department_admin"}, headers=headers
    )
    assert promoted.status_code == 200, promoted.text
    outside = client.post(
        "/api/v1/users",
        json={
            "username": "outside-clerk",
            "display_name": "Outside clerk",
            "password": "long-enough-pw",
            "role": "department_user",
            "department_id": w.other.id,
        },
        headers=headers,
    )
    assert outside.status_code == 422
    assert outside.json()["fields"][0]["field"] == "department_id"


def test_tokens_are_personal_and_stop_working(
    client: TestClient, session: Session, w: factories.World
) -> None:
    auditor, finance = w.headers[Role.AUDITOR], w.headers[Role.FINANCE]
    issued = client.post("/api/v1/auth/tokens", json={"name": "ci"}, headers=auditor).json()
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/auth/me", headers=mine).status_code == 200
    listed = client.get("/api/v1/auth/tokens", headers=auditor).json()
    assert issued["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)  # the secret is shown once only
    # Another user can neither see nor revoke it.
    others = client.get("/api/v1/auth/tokens", headers=finance).json()
    assert issued["id"] not in [t["id"] for t in others]
    assert client.delete(f"/api/v1/auth/tokens/{issued['id']}", headers=finance).status_code == 404
    assert client.get("/api/v1/auth/me", headers=mine).status_code == 200

    assert client.delete(f"/api/v1/auth/tokens/{issued['id']}", headers=auditor).status_code == 204
    revoked = client.get("/api/v1/auth/me", headers=mine)
    assert revoked.status_code == 401
    assert revoked.json()["fields"][0]["field"] == "authorization"


def test_expired_tokens_and_deactivated_users_are_refused(
    client: TestClient, session: Session, w: factories.World
) -> None:
    headers = w.headers[Role.MANAGER]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    manager = w.users[Role.MANAGER]
    session.execute(
        update(ApiToken).where(ApiToken.user_id == manager.id).values(expires_at=utcnow())
    )
    session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    clerk = w.headers[Role.DEPARTMENT_USER]
    assert client.get("/api/v1/auth/me", headers=clerk).status_code == 200
    deactivated = client.patch(
        f"/api/v1/users/{w.users[Role.DEPARTMENT_USER].id}",
        json={"is_active": False},
        headers=w.headers[Role.DEPARTMENT_ADMIN],
    )
    assert deactivated.status_code == 200, deactivated.text
    assert client.get("/api/v1/auth/me", headers=clerk).status_code == 401
    login = client.post(
        "/api/v1/auth/token",
        json={"username": w.users[Role.DEPARTMENT_USER].username, "password": factories.PASSWORD},
    )
    assert login.status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer gct_not-a-real-token", "Bearer x"],
)
def test_malformed_or_unknown_credentials_are_401(
    client: TestClient, w: factories.World, header: str
) -> None:
    response = client.get("/api/v1/quotas", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["fields"][0]["field"] == "authorization"


@pytest.mark.parametrize(
    ("role", "provider", "field_message"),
    [
        ("provider_rep", None, "a provider_rep must belong to a provider"),
        ("provider_rep", "missing", "provider 999999 does not exist"),
        ("auditor", "own", "only a provider_rep belongs to a provider, not a auditor"),
    ],
)
def test_provider_id_is_required_for_a_provider_rep_and_refused_for_others(
    client: TestClient,
    session: Session,
    w: factories.World,
    role: str,
    provider: str | None,
    field_message: str,
) -> None:
    """Catches a provider representative without a provider (it would see nothing, or with a
    None filter everything) and a provider bound to a role that does not scope by it."""
    assert w.provider is not None
    body: dict[str, Any] = {
        "username": f"new-{role.replace('_', '-')}",
        "display_name": "New",
        "password": "a long enough password",
        "role": role,
    }
    if provider is not None:
        body["provider_id"] = w.provider.id if provider == "own" else 999999
    response = client.post("/api/v1/users", json=body, headers=w.headers[Role.OPERATOR])
    assert response.status_code == 422, response.text
    assert response.json()["fields"] == [{"field": "provider_id", "message": field_message}]
    session.rollback()
    assert session.query(User).filter(User.username == body["username"]).first() is None


def test_a_provider_rep_is_created_for_its_provider(
    client: TestClient, session: Session, w: factories.World
) -> None:
    assert w.provider is not None
    body = {
        "username": "rep-two",
        "display_name": "Rep",
        "password": "a long enough password",
        "role": "provider_rep",
        "provider_id": w.provider.id,
    }
    response = client.post("/api/v1/users", json=body, headers=w.headers[Role.OPERATOR])
    assert response.status_code == 201, response.text
    assert response.json()["provider_id"] == w.provider.id

"""Every change made through the API leaves one audit entry: who, what, before and after."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.audit.service import verify_chain
from infra.tenancy.enums import Role
from tests import factories


def _entries_after(session: Session, seq: int) -> list[AuditEntry]:
    session.rollback()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > seq)))


def _last_seq(session: Session) -> int:
    session.rollback()
    return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


def _one_change(
    client: TestClient,
    session: Session,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> tuple[Any, AuditEntry]:
    start = _last_seq(session)
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code in (200, 201, 204), response.text
    entries = _entries_after(session, start)
    assert len(entries) == 1, [(e.action, e.entity) for e in entries]
    return response, entries[0]


def test_changes_are_audited_with_who_what_before_and_after(
    client: TestClient, session: Session
) -> None:
    w = factories.world(session)
    operator = w.users[Role.OPERATOR]
    headers = w.headers[Role.OPERATOR]

    created, entry = _one_change(
        client,
        session,
        "POST",
        "/api/v1/departments",
        headers,
        {"code": "archives", "name": "档案局", "kind": "department", "parent_id": w.city.id},
    )
    dept_id = created.json()["id"]
    assert (entry.actor, entry.actor_id, entry.action) == (operator.username, operator.id, "create")
    assert (entry.entity, entry.entity_id, entry.department_id) == (
        "department",
        str(dept_id),
        dept_id,
    )
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name"] == "档案局"

    _, entry = _one_change(
        client, session, "PATCH", f"/api/v1/departments/{dept_id}", headers, {"name": "市档案局"}
    )
    assert entry.action == "update"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("档案局", "市档案局")

    quota, entry = _one_change(
        client,
        session,
        "POST",
        "/api/v1/quotas",
        headers,
        {"department_id": dept_id, "resource": "vcpu", "zone": "extranet", "limit": 8},
    )
    quota_id = quota.json()["id"]
    assert (entry.entity, entry.department_id, entry.after) == (
        "quota",
        dept_id,
        entry.after,
    )
    _, entry = _one_change(
        client, session, "PATCH", f"/api/v1/quotas/{quota_id}", headers, {"limit": 16}
    )
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["limit"], entry.after["limit"]) == (8, 16)
    _, entry = _one_change(client, session, "DELETE", f"/api/v1/quotas/{quota_id}", headers)
    assert (entry.action, entry.after, entry.before is not None) == ("delete", None, True)
    _, entry = _one_change(client, session, "DELETE", f"/api/v1/departments/{dept_id}", headers)
    assert (entry.action, entry.entity_id) == ("delete", str(dept_id))

    session.rollback()
    assert verify_chain(session).ok


def test_user_changes_never_record_a_password(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    admin = w.headers[Role.DEPARTMENT_ADMIN]
    created, entry = _one_change(
        client,
        session,
        "POST",
        "/api/v1/users",
        admin,
        {
            "username": "clerk",
            "display_name": "Clerk",
            "password": "first-password",
            "role": "department_user",
            "department_id": w.own.id,
        },
    )
    assert entry.actor == w.users[Role.DEPARTMENT_ADMIN].username
    assert entry.department_id == w.own.id
    _, changed = _one_change(
        client,
        session,
        "PATCH",
        f"/api/v1/users/{created.json()['id']}",
        admin,
        {"password": "second-password"},
    )
    assert changed.after is not None
    assert changed.after["password"] == "changed"
    for recorded in (entry, changed):
        text = repr((recorded.before, recorded.after))
        assert "first-password" not in text
        assert "second-password" not in text
        assert "argon2" not in text


def test_tokens_issued_and_revoked_are_audited_without_their_secret(
    client: TestClient, session: Session
) -> None:
    w = factories.world(session)
    headers = w.headers[Role.AUDITOR]
    issued, entry = _one_change(
        client, session, "POST", "/api/v1/auth/tokens", headers, {"name": "ci"}
    )
    secret = issued.json()["token"]
    assert entry.entity == "api_token"
    assert secret not in repr(entry.after)
    _, revoked = _one_change(
        client, session, "DELETE", f"/api/v1/auth/tokens/{issued.json()['id']}", headers
    )
    assert revoked.action == "revoke"


def test_a_change_that_changes_nothing_leaves_no_entry(
    client: TestClient, session: Session
) -> None:
    w = factories.world(session)
    headers = w.headers[Role.OPERATOR]
    quota = factories.quota(session, dept=w.own, limit=10)
    start = _last_seq(session)
    for path, body in (
        (f"/api/v1/departments/{w.own.id}", {}),
        (f"/api/v1/departments/{w.own.id}", {"name": w.own.name}),
        (f"/api/v1/quotas/{quota.id}", {"limit": 10}),
        (f"/api/v1/users/{w.users[Role.AUDITOR].id}", {}),
    ):
        response = client.patch(path, json=body, headers=headers)
        assert response.status_code == 200, response.text
    assert _entries_after(session, start) == []

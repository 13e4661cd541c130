"""Requests through the API: filing, submission, approval chains, rejection, withdrawal."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import DepartmentKind, Role
from tests import factories
from tests import request_factories as rf
from tests.request_factories import Scene

API = "/api/v1/requests"


def _usage(client: TestClient, headers: dict[str, str], resource: str) -> dict[str, int]:
    rows = client.get("/api/v1/usage", headers=headers).json()
    row = next(r for r in rows if r["resource"] == resource and r["zone"] == "extranet")
    return {"in_use": row["in_use"], "reserved": row["reserved"], "free": row["free"]}


def test_draft_submit_sign_the_chain_and_see_it_approved(client: TestClient, scene: Scene) -> None:
    user = scene.headers(Role.DEPARTMENT_USER)
    created = client.post(API, json=rf.body(rf.item(vcpu=8)), headers=user)
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["state"] == "draft"
    assert request["steps"] == []
    assert _usage(client, user, "vcpu")["reserved"] == 0

    submitted = client.post(f"{API}/{request['id']}/submit", headers=user)
    assert submitted.status_code == 200, submitted.text
    steps = submitted.json()["steps"]
    assert [s["stage"] for s in steps] == ["department_admin", "cloud_office"]
    assert steps[0]["approver_department_id"] == scene.world.own.id
    assert _usage(client, user, "vcpu") == {"in_use": 0, "reserved": 8, "free": 56}

    # Out of turn: the operator cannot sign before the department admin.
    early = client.post(
        f"{API}/{request['id']}/approve", json={}, headers=scene.headers(Role.OPERATOR)
    )
    assert early.status_code == 403
    assert "waiting for the department_admin" in early.json()["message"]

    queue = client.get(f"{API}/queue", headers=scene.headers(Role.DEPARTMENT_ADMIN)).json()
    assert [r["id"] for r in queue] == [request["id"]]
    assert client.get(f"{API}/queue", headers=scene.headers(Role.OPERATOR)).json() == []

    signed = client.post(
        f"{API}/{request['id']}/approve",
        json={"note": "ok"},
        headers=scene.headers(Role.DEPARTMENT_ADMIN),
    )
    assert signed.json()["state"] == "submitted"
    assert [
        r["id"] for r in client.get(f"{API}/queue", headers=scene.headers(Role.OPERATOR)).json()
    ] == [request["id"]]
    approved = client.post(
        f"{API}/{request['id']}/approve", json={}, headers=scene.headers(Role.OPERATOR)
    )
    assert approved.json()["state"] == "approved"
    assert [s["status"] for s in approved.json()["steps"]] == ["approved", "approved"]
    # Still reserved until placed.
    assert _usage(client, user, "vcpu")["reserved"] == 8

    trail = client.get(f"{API}/{request['id']}/history", headers=user).json()
    assert [e["action"] for e in trail] == ["create", "submit", "sign", "sign", "approve"]


def test_rejection_needs_a_reason_the_department_reads_and_frees_the_reservation(
    client: TestClient, scene: Scene
) -> None:
    user = scene.headers(Role.DEPARTMENT_USER)
    request = client.post(API, json=rf.body(rf.item(vcpu=16), submit=True), headers=user).json()
    assert _usage(client, user, "vcpu")["reserved"] == 16
    admin = scene.headers(Role.DEPARTMENT_ADMIN)
    no_reason = client.post(f"{API}/{request['id']}/reject", json={}, headers=admin)
    assert no_reason.status_code == 422
    assert no_reason.json()["fields"][0]["field"] == "reason"
    rejected = client.post(
        f"{API}/{request['id']}/reject",
        json={"reason": "use the shared database instead"},
        headers=admin,
    )
    assert rejected.status_code == 200, rejected.text
    seen = client.get(f"{API}/{request['id']}", headers=user).json()
    assert seen["state"] == "rejected"
    assert seen["rejection_reason"] == "use the shared database instead"
    assert seen["steps"][0]["status"] == "rejected"
    assert _usage(client, user, "vcpu")["reserved"] == 0
    again = client.post(
        f"{API}/{request['id']}/approve", json={}, headers=scene.headers(Role.OPERATOR)
    )
    assert again.status_code == 409


def test_withdrawal_frees_the_reservation(client: TestClient, scene: Scene) -> None:
    user = scene.headers(Role.DEPARTMENT_USER)
    request = client.post(API, json=rf.body(rf.item(vcpu=32), submit=True), headers=user).json()
    assert _usage(client, user, "vcpu")["reserved"] == 32
    withdrawn = client.post(f"{API}/{request['id']}/withdraw", headers=user)
    assert withdrawn.json()["state"] == "withdrawn"
    assert _usage(client, user, "vcpu")["reserved"] == 0
    assert client.post(f"{API}/{request['id']}/withdraw", headers=user).status_code == 409


def test_nobody_signs_their_own_request(client: TestClient, scene: Scene) -> None:
    admin = scene.headers(Role.DEPARTMENT_ADMIN)
    request = client.post(API, json=rf.body(submit=True), headers=admin).json()
    refused = client.post(f"{API}/{request['id']}/approve", json={}, headers=admin)
    assert refused.status_code == 403
    assert "another approver" in refused.json()["message"]
    assert client.get(f"{API}/queue", headers=admin).json() == []


def test_section_requests_start_with_the_section_head_and_big_ones_end_with_finance(
    client: TestClient, session: Session, scene: Scene
) -> None:
    section = scene.world.section
    rf.quotas(session, section, vcpu=256, memory_gib=1024, storage_gib=10000)
    member = factories.user(session, role=Role.DEPARTMENT_USER, dept=section)
    head = factories.user(session, role=Role.DEPARTMENT_ADMIN, dept=section)
    big = [rf.item(vcpu=64, memory_gib=256, storage_gib=2000) for _ in range(4)]
    created = client.post(
        API, json=rf.body(*big, submit=True), headers=factories.bearer(session, member)
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert Decimal(request["estimated_monthly_cost"]) >= Decimal("20000")
    assert [s["stage"] for s in request["steps"]] == [
        "section_head",
        "department_admin",
        "cloud_office",
        "finance",
    ]
    signers = [
        factories.bearer(session, head),
        scene.headers(Role.DEPARTMENT_ADMIN),
        scene.headers(Role.OPERATOR),
        scene.headers(Role.FINANCE),
    ]
    # The department's own admin may not sign the section head's step.
    assert (
        client.post(f"{API}/{request['id']}/approve", json={}, headers=signers[1]).status_code
        == 403
    )
    for signer in signers:
        response = client.post(f"{API}/{request['id']}/approve", json={}, headers=signer)
        assert response.status_code == 200, response.text
    assert response.json()["state"] == "approved"
    assert section.kind is DepartmentKind.SECTION


def test_configured_chain_replaces_the_builtin_one(client: TestClient, scene: Scene) -> None:
    operator = scene.headers(Role.OPERATOR)
    for position, stage, cost in ((1, "cloud_office", "0"), (2, "finance", "100")):
        made = client.post(
            "/api/v1/approval-rules",
            headers=operator,
            json={
                "department_id": scene.world.own.id,
                "stage": stage,
                "position": position,
                "min_monthly_cost": cost,
            },
        )
        assert made.status_code == 201, made.text
    user = scene.headers(Role.DEPARTMENT_USER)
    small = client.post(
        API, json=rf.body(rf.item(vcpu=1, memory_gib=1, storage_gib=0), submit=True), headers=user
    ).json()
    assert [s["stage"] for s in small["steps"]] == ["cloud_office"]
    large = client.post(API, json=rf.body(rf.item(vcpu=8), submit=True), headers=user).json()
    assert [s["stage"] for s in large["steps"]] == ["cloud_office", "finance"]
    dup = client.post(
        "/api/v1/approval-rules",
        headers=operator,
        json={"department_id": scene.world.own.id, "stage": "finance", "position": 3},
    )
    assert dup.status_code == 409
    denied = client.post(
        "/api/v1/approval-rules",
        headers=scene.headers(Role.DEPARTMENT_ADMIN),
        json={"stage": "finance", "position": 3},
    )
    assert denied.status_code == 403

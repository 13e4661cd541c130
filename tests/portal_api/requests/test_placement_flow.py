"""Request → approve → place → allocation rows → capacity roll-up; change requests; expiry."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.events.models import OutboxEvent
from infra.tenancy.enums import Role
from infra.tenancy.requests import expiry
from infra.tenancy.requests.models import Allocation, ResourceRequest
from tests import request_factories as rf
from tests.request_factories import Scene

API = "/api/v1/requests"


def _approved(client: TestClient, scene: Scene, *items: dict[str, Any], **extra: Any) -> int:
    made = client.post(
        API, json=rf.body(*items, submit=True, **extra), headers=scene.headers(Role.DEPARTMENT_USER)
    )
    assert made.status_code == 201, made.text
    request_id: int = made.json()["id"]
    for role in (Role.DEPARTMENT_ADMIN, Role.OPERATOR):
        signed = client.post(f"{API}/{request_id}/approve", json={}, headers=scene.headers(role))
        assert signed.status_code == 200, signed.text
    return request_id


def _published(session: Session) -> list[tuple[str, str, int]]:
    """(type, aggregate id, department id) of every outbox event, oldest first."""
    session.rollback()
    rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
    return [(e.type, e.aggregate_id, e.payload["department_id"]) for e in rows]


def _extranet_pool(client: TestClient, scene: Scene) -> dict[str, Any]:
    pools = client.get("/api/v1/inventory/capacity", headers=scene.headers(Role.OPERATOR)).json()
    return next(p for p in pools if p["zone"] == "extranet")


def test_approved_request_is_placed_into_allocations_and_the_roll_up(
    client: TestClient, session: Session, scene: Scene
) -> None:
    operator = scene.headers(Role.OPERATOR)
    before = _extranet_pool(client, scene)
    assert before["allocated"]["vcpu"] == 0
    request_id = _approved(
        client,
        scene,
        rf.item(name="db-1", vcpu=16, memory_gib=64, anti_affinity_group="db"),
        rf.item(name="db-2", vcpu=16, memory_gib=64, anti_affinity_group="db"),
        rf.item(name="web", vcpu=4, memory_gib=8),
    )
    dry = client.post("/api/v1/placement?dry_run=true", headers=operator)
    assert dry.status_code == 200, dry.text
    assert len(dry.json()["placed"]) == 3
    assert session.scalars(select(Allocation)).all() == []
    assert client.get(f"{API}/{request_id}", headers=operator).json()["state"] == "approved"

    done = client.post("/api/v1/placement?dry_run=false", headers=operator).json()
    assert done["unplaced"] == {}
    placed = client.get(f"{API}/{request_id}", headers=operator).json()
    assert placed["state"] == "placed"
    rows = client.get(
        f"{API}/{request_id}/allocations", headers=scene.headers(Role.DEPARTMENT_USER)
    ).json()
    assert sorted(r["vcpu"] for r in rows) == [4, 16, 16]
    by_item = {r["item_id"]: r["host_id"] for r in rows}
    db_items = [i["id"] for i in placed["items"] if i["anti_affinity_group"] == "db"]
    assert by_item[db_items[0]] != by_item[db_items[1]]
    after = _extranet_pool(client, scene)
    assert after["allocated"] == {"vcpu": 36, "memory_gib": 136, "storage_gib": 300}
    assert after["free"]["vcpu"] == before["free"]["vcpu"] - 36
    usage = client.get("/api/v1/usage", headers=scene.headers(Role.DEPARTMENT_USER)).json()
    vcpu = next(r for r in usage if r["resource"] == "vcpu")
    assert (vcpu["in_use"], vcpu["reserved"]) == (36, 0)

    # Active, then released: the allocations close and the roll-up gives the room back.
    assert (
        client.post(
            f"{API}/{request_id}/activate",
            headers=operator,
            json={"reason": "stack deployed by hand"},
        ).json()["state"]
        == "active"
    )
    released = client.post(
        f"{API}/{request_id}/release", headers=scene.headers(Role.DEPARTMENT_USER)
    )
    assert released.json()["state"] == "released"
    session.expire_all()
    assert all(a.released_at is not None for a in session.scalars(select(Allocation)))
    assert _extranet_pool(client, scene)["allocated"]["vcpu"] == 0
    dept = scene.world.own.id
    assert [e for e in _published(session) if e[0].startswith("tenancy.request")] == [
        ("tenancy.request.activated", str(request_id), dept),
        ("tenancy.request.released", str(request_id), dept),
    ]


def test_unplaceable_request_stays_approved_with_the_reason(
    client: TestClient, session: Session, scene: Scene
) -> None:
    operator = scene.headers(Role.OPERATOR)
    # Four hosts, five members of one anti-affinity group: the group cannot be kept apart.
    big = _approved(
        client,
        scene,
        *[
            rf.item(name=f"n{i}", vcpu=2, memory_gib=4, storage_gib=10, anti_affinity_group="ha")
            for i in range(5)
        ],
    )
    fits = _approved(client, scene, rf.item(vcpu=2))
    done = client.post("/api/v1/placement?dry_run=false", headers=operator).json()
    assert str(big) in done["unplaced"]
    why = done["unplaced"][str(big)]  # English for the reader, a code for clients that translate
    assert {(u["code"], u["reason"].startswith("anti-affinity group")) for u in why} == {
        ("unplaced_anti_affinity_hosts", True)
    }
    assert [line["request_id"] for line in done["placed"]] == [fits]
    stuck = client.get(f"{API}/{big}", headers=scene.headers(Role.DEPARTMENT_USER)).json()
    assert stuck["state"] == "approved"
    assert "anti-affinity group" in stuck["placement_note"]
    assert session.scalars(select(Allocation).where(Allocation.request_id == big)).all() == []


def test_change_request_grows_an_active_item_in_place(
    client: TestClient, session: Session, scene: Scene
) -> None:
    operator = scene.headers(Role.OPERATOR)
    user = scene.headers(Role.DEPARTMENT_USER)
    request_id = _approved(client, scene, rf.item(vcpu=8, memory_gib=32))
    client.post("/api/v1/placement?dry_run=false", headers=operator)
    client.post(
        f"{API}/{request_id}/activate", headers=operator, json={"reason": "stack deployed by hand"}
    )
    item_id = client.get(f"{API}/{request_id}", headers=user).json()["items"][0]["id"]

    too_big = client.post(
        f"{API}/{request_id}/changes",
        headers=user,
        json={"justification": "peak season", "items": [{"target_item_id": item_id, "vcpu": 60}]},
    )
    assert too_big.status_code == 409
    assert "quota exceeded" in too_big.json()["message"]
    change = client.post(
        f"{API}/{request_id}/changes",
        headers=user,
        json={
            "justification": "peak season",
            "items": [{"target_item_id": item_id, "vcpu": 8, "memory_gib": -16}],
        },
    )
    assert change.status_code == 201, change.text
    change_id = change.json()["id"]
    usage = {r["resource"]: r for r in client.get("/api/v1/usage", headers=user).json()}
    assert (usage["vcpu"]["in_use"], usage["vcpu"]["reserved"]) == (8, 8)
    for role in (Role.DEPARTMENT_ADMIN, Role.OPERATOR):
        client.post(f"{API}/{change_id}/approve", json={}, headers=scene.headers(role))
    done = client.post("/api/v1/placement?dry_run=false", headers=operator).json()
    assert done["changes_applied"] == [change_id]
    grown = client.get(f"{API}/{request_id}", headers=user).json()["items"][0]
    assert (grown["vcpu"], grown["memory_gib"]) == (16, 16)
    [allocation] = client.get(f"{API}/{request_id}/allocations", headers=user).json()
    assert (allocation["vcpu"], allocation["memory_gib"]) == (16, 16)
    usage = {r["resource"]: r for r in client.get("/api/v1/usage", headers=user).json()}
    assert (usage["vcpu"]["in_use"], usage["vcpu"]["reserved"]) == (16, 0)
    assert client.get(f"{API}/{change_id}", headers=user).json()["state"] == "active"
    # A change request is settled by the request it changes: it cannot be released itself.
    assert client.post(f"{API}/{change_id}/release", headers=user).status_code == 409
    # Metering hears of it as a change of the request it changed (that request's aggregate).
    assert [e[:2] for e in _published(session) if e[0].startswith("tenancy.request")] == [
        ("tenancy.request.activated", str(request_id)),
        ("tenancy.request.changed", str(request_id)),
    ]


def test_terms_are_reminded_renewed_and_expired(
    client: TestClient, session: Session, scene: Scene
) -> None:
    operator = scene.headers(Role.OPERATOR)
    user = scene.headers(Role.DEPARTMENT_USER)
    today = dt.datetime.now(dt.UTC).date()
    ends = today + dt.timedelta(days=40)
    request_id = _approved(client, scene, rf.item(vcpu=4), ends_on=ends.isoformat())
    client.post("/api/v1/placement?dry_run=false", headers=operator)
    client.post(
        f"{API}/{request_id}/activate", headers=operator, json={"reason": "stack deployed by hand"}
    )

    assert expiry.sweep(session, today=ends - dt.timedelta(days=31)).reminded == []
    assert expiry.sweep(session, today=ends - dt.timedelta(days=30)).reminded == [(request_id, 30)]
    assert expiry.sweep(session, today=ends - dt.timedelta(days=20)).reminded == []  # once
    assert expiry.sweep(session, today=ends - dt.timedelta(days=6)).reminded == [(request_id, 6)]
    session.commit()

    renewed = client.post(
        f"{API}/{request_id}/renew",
        headers=user,
        json={"ends_on": (ends + dt.timedelta(days=30)).isoformat()},
    )
    assert renewed.status_code == 200, renewed.text
    shorter = client.post(
        f"{API}/{request_id}/renew", headers=user, json={"ends_on": ends.isoformat()}
    )
    assert shorter.status_code == 422
    session.expire_all()
    new_end = ends + dt.timedelta(days=30)
    assert expiry.sweep(session, today=new_end - dt.timedelta(days=1)).reminded == [(request_id, 1)]
    report = expiry.sweep(session, today=new_end)
    assert report.expired == [request_id]
    session.commit()
    assert expiry.sweep(session, today=new_end).expired == []
    request = session.get(ResourceRequest, request_id)
    assert request is not None
    assert request.state.value == "expired"
    assert ("tenancy.request.released", str(request_id)) in [e[:2] for e in _published(session)]
    assert all(a.released_at for a in session.scalars(select(Allocation)))
    trail = [e["action"] for e in client.get(f"{API}/{request_id}/history", headers=user).json()]
    assert trail == [
        "create",
        "submit",
        "sign",
        "sign",
        "approve",
        "place",
        "activate",
        "remind",
        "remind",
        "renew",
        "remind",
        "expire",
    ]


def test_sweep_runs_as_a_job_and_expires_ended_terms(
    client: TestClient, session: Session, scene: Scene
) -> None:
    operator = scene.headers(Role.OPERATOR)
    ends = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)
    request_id = _approved(client, scene, rf.item(vcpu=4), ends_on=ends.isoformat())
    client.post("/api/v1/placement?dry_run=false", headers=operator)
    accepted = client.post(f"{API}/sweep?today={ends.isoformat()}", headers=operator)
    assert accepted.status_code == 202, accepted.text
    job_url = accepted.json()["url"]
    for _ in range(200):
        job = client.get(job_url, headers=operator).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "succeeded", job
    assert job["result"] == {"reminded": [], "expired": [request_id]}
    # A placed (never activated) request whose term ended is released, not expired.
    assert client.get(f"{API}/{request_id}", headers=operator).json()["state"] == "released"

"""Inventory model rules through the API: what must be refused, and with which words."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.inventory.models import Host, Subnet
from infra.tenancy.enums import Role
from tests import factories


@pytest.fixture
def operator(session: Session) -> dict[str, str]:
    return factories.bearer(session, factories.user(session, role=Role.OPERATOR))


def post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/inventory/{path}", json=body, headers=headers)


def cloud_rack(
    client: TestClient, headers: dict[str, str], *, budget: str = "8.00"
) -> dict[str, int]:
    provider = post(client, "providers", {"code": "p1", "name": "Provider 1"}, headers).json()
    site = post(
        client,
        "sites",
        {"code": "east", "name": "East", "kind": "cloud", "provider_id": provider["id"]},
        headers,
    ).json()
    rack = post(
        client, "racks", {"site_id": site["id"], "name": "R01", "power_budget_kw": budget}, headers
    ).json()
    return {"provider": provider["id"], "site": site["id"], "rack": rack["id"]}


def host_body(ids: dict[str, int], name: str, u: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "site_id": ids["site"],
        "rack_id": ids["rack"],
        "u_position": u,
        "u_height": 2,
        "model": "x",
        "vcpu": 64,
        "cores": 32,
        "memory_gib": 256,
        "disk_gib": 2048,
        "power_draw_w": 500,
        "purchase_year": 2025,
        "zone": "extranet",
        **extra,
    }


def count(session: Session, model: type[Any]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_overlapping_subnets_refused_naming_both(
    client: TestClient, session: Session, operator: dict[str, str]
) -> None:
    first = post(client, "subnets", {"cidr": "10.1.0.0/22", "zone": "extranet"}, operator)
    assert first.status_code == 201, first.text
    entries = count(session, AuditEntry)
    clash = post(client, "subnets", {"cidr": "10.1.2.0/24", "zone": "extranet"}, operator)
    assert clash.status_code == 409
    body = clash.json()
    assert body["fields"][0]["field"] == "cidr"
    assert "10.1.2.0/24" in body["message"]
    assert "10.1.0.0/22" in body["message"]
    assert count(session, Subnet) == 1
    assert count(session, AuditEntry) == entries
    # The same block in another zone is a different network and is fine.
    other_zone = post(client, "subnets", {"cidr": "10.1.2.0/24", "zone": "private"}, operator)
    assert other_zone.status_code == 201


def test_subnet_with_host_bits_refused(client: TestClient, operator: dict[str, str]) -> None:
    response = post(client, "subnets", {"cidr": "10.1.0.1/24", "zone": "extranet"}, operator)
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "cidr"


def test_u_slot_collision_refused(
    client: TestClient, session: Session, operator: dict[str, str]
) -> None:
    ids = cloud_rack(client, operator)
    assert post(client, "hosts", host_body(ids, "h1", 10), operator).status_code == 201
    clash = post(client, "hosts", host_body(ids, "h2", 11), operator)
    assert clash.status_code == 422
    assert clash.json()["fields"][0]["field"] == "u_position"
    assert "U11 is taken by h1" in clash.json()["message"]
    off_rack = post(client, "hosts", host_body(ids, "h3", 42), operator)
    assert off_rack.status_code == 422
    assert "outside" in off_rack.json()["message"]
    assert count(session, Host) == 1


def test_classified_zone_refused_for_shared_capacity(
    client: TestClient, session: Session, operator: dict[str, str]
) -> None:
    ids = cloud_rack(client, operator)
    response = post(client, "hosts", host_body(ids, "h1", 1, zone="intranet"), operator)
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "zone"
    assert count(session, Host) == 0


def test_rack_over_power_budget_flagged(client: TestClient, operator: dict[str, str]) -> None:
    ids = cloud_rack(client, operator, budget="1.20")
    for n in range(2):
        assert (
            post(client, "hosts", host_body(ids, f"h{n}", 1 + 2 * n), operator).status_code == 201
        )
    within = client.get(f"/api/v1/inventory/racks/{ids['rack']}/elevation", headers=operator)
    assert within.json()["over_power_budget"] is False
    assert within.json()["power_drawn_kw"] == "1.000"
    assert post(client, "hosts", host_body(ids, "h9", 20), operator).status_code == 201
    over = client.get(f"/api/v1/inventory/racks/{ids['rack']}/elevation", headers=operator).json()
    assert over["over_power_budget"] is True
    assert over["u_used"] == 6
    assert [i["u_position"] for i in over["items"]] == [1, 3, 20]


def test_legacy_room_needs_a_department_and_departments_see_only_theirs(
    client: TestClient, session: Session, operator: dict[str, str]
) -> None:
    w = factories.world(session)
    refused = post(
        client, "sites", {"code": "room-x", "name": "X", "kind": "legacy_room"}, operator
    )
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "department_id"
    for dept in (w.own, w.other):
        room = {
            "code": f"room-{dept.id}",
            "name": "R",
            "kind": "legacy_room",
            "department_id": dept.id,
            "floor_area_m2": "35.5",
        }
        assert post(client, "sites", room, operator).status_code == 201
    seen = client.get("/api/v1/inventory/sites", headers=w.headers[Role.DEPARTMENT_USER]).json()
    assert [s["department_id"] for s in seen["items"]] == [w.own.id]
    assert seen["items"][0]["floor_area_m2"] == "35.50"


def test_contracts_keep_term_fee_and_sla_terms_as_data(
    client: TestClient, operator: dict[str, str]
) -> None:
    provider = post(client, "providers", {"code": "p9", "name": "P9"}, operator).json()
    contract = {
        "provider_id": provider["id"],
        "reference": "gc-2026-p9",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
        "monthly_fee": "1850000.50",
        "sla_terms": {"availability_pct": "99.95", "response_minutes": 15},
    }
    created = post(client, "contracts", contract, operator)
    assert created.status_code == 201, created.text
    assert created.json()["monthly_fee"] == "1850000.50"
    assert created.json()["sla_terms"] == {"availability_pct": "99.95", "response_minutes": 15}
    backwards = post(
        client, "contracts", {**contract, "reference": "x", "ends_on": "2025-01-01"}, operator
    )
    assert backwards.status_code == 422
    assert "ends_on must come after starts_on" in backwards.json()["message"]
    float_fee = post(
        client, "contracts", {**contract, "reference": "y", "monthly_fee": 1.005}, operator
    )
    assert float_fee.status_code == 422


def test_capacity_api_rolls_up_active_cloud_hosts_by_provider_and_zone(
    client: TestClient, session: Session, operator: dict[str, str]
) -> None:
    ids = cloud_rack(client, operator, budget="20.00")
    for n in range(2):
        assert post(client, "hosts", host_body(ids, f"h{n}", 1 + 2 * n), operator).is_success
    retired = post(client, "hosts", host_body(ids, "h-old", 10, status="retired"), operator)
    assert retired.status_code == 201
    pools = client.get("/api/v1/inventory/capacity", headers=operator).json()
    assert pools == [
        {
            "provider": "p1",
            "zone": "extranet",
            "hosts": 2,
            "total": {"vcpu": 128, "memory_gib": 512, "storage_gib": 4096},
            "allocatable": {"vcpu": 114, "memory_gib": 460, "storage_gib": 3686},
            "allocated": {"vcpu": 0, "memory_gib": 0, "storage_gib": 0},
            "free": {"vcpu": 114, "memory_gib": 460, "storage_gib": 3686},
        }
    ]

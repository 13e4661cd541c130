"""Capacity roll-ups as pure functions, and carving subnets and addresses through the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.inventory.capacity import (
    HostSize,
    PoolHost,
    Slot,
    allocatable,
    pool_capacity,
    rack_usage,
    slot_collisions,
)
from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import Role
from tests import factories


def test_host_allocatable_after_reserve_rounds_down() -> None:
    size = HostSize(vcpu=63, memory_gib=255, storage_gib=1001)
    assert allocatable(size, Decimal("0.10")) == HostSize(56, 229, 900)
    assert allocatable(size, Decimal(0)) == size
    with pytest.raises(ValueError, match="reserve"):
        allocatable(size, Decimal(1))


def test_pools_roll_up_by_provider_and_zone_with_allocations_as_input() -> None:
    big, small = HostSize(64, 256, 1000), HostSize(32, 128, 500)
    hosts = [
        PoolHost(1, "tianyi", NetworkZone.INTERNET, big),
        PoolHost(2, "tianyi", NetworkZone.INTERNET, small),
        PoolHost(3, "inspur", NetworkZone.EXTRANET, big),
    ]
    pools = pool_capacity(hosts, reserve=Decimal("0.25"), allocated={2: HostSize(10, 20, 30)})
    internet = pools[("tianyi", NetworkZone.INTERNET)]
    assert internet.hosts == 2
    assert internet.total == {"vcpu": 96, "memory_gib": 384, "storage_gib": 1500}
    assert internet.allocatable == {"vcpu": 72, "memory_gib": 288, "storage_gib": 1125}
    assert internet.allocated == {"vcpu": 10, "memory_gib": 20, "storage_gib": 30}
    assert internet.free("vcpu") == 62
    assert pools[("inspur", NetworkZone.EXTRANET)].allocated["vcpu"] == 0


def test_rack_usage_and_slot_rules() -> None:
    slots = [Slot("a", 1, 2, 600), Slot("b", 3, 1, 500)]
    usage = rack_usage(42, Decimal("1.00"), slots)
    assert (usage.u_used, usage.u_free, usage.power_drawn_kw) == (3, 39, Decimal("1.100"))
    assert usage.over_power_budget
    assert usage.power_percent == Decimal("110.0")
    assert slot_collisions(42, slots, Slot("c", 2, 2, 0)) == [
        "U2 is taken by a",
        "U3 is taken by b",
    ]
    assert slot_collisions(42, slots, Slot("c", 4, 2, 0)) == []
    assert slot_collisions(42, slots, Slot("a", 1, 2, 0)) == []  # the item itself, re-checked


def post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/inventory/{path}", json=body, headers=headers)


def test_carving_takes_the_lowest_free_block_and_addresses_the_lowest_free_ip(
    client: TestClient, session: Session
) -> None:
    operator = factories.bearer(session, factories.user(session, role=Role.OPERATOR))
    assert post(client, "subnets", {"cidr": "10.8.0.0/24", "zone": "private"}, operator).is_success
    carve = {"parent_cidr": "10.8.0.0/16", "prefixlen": 24, "zone": "private"}
    assert post(client, "subnets/carve", carve, operator).json()["cidr"] == "10.8.1.0/24"
    wide = post(client, "subnets/carve", {**carve, "prefixlen": 23}, operator).json()
    assert wide["cidr"] == "10.8.2.0/23"
    full = post(client, "subnets/carve", {**carve, "parent_cidr": "10.8.0.0/24"}, operator)
    assert full.status_code == 409
    assert "no free /24" in full.json()["message"]
    subnet = wide["id"]
    first = post(client, f"subnets/{subnet}/addresses", {}, operator).json()
    assert first["address"] == "10.8.2.2"  # .0 is the network, .1 the gateway
    taken = post(client, f"subnets/{subnet}/addresses", {"address": "10.8.2.2"}, operator)
    assert taken.status_code == 409
    outside = post(client, f"subnets/{subnet}/addresses", {"address": "10.9.0.5"}, operator)
    assert outside.status_code == 422
    assert outside.json()["fields"][0]["field"] == "address"

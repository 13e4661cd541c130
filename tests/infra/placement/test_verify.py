"""The verifier must be able to fail: one hand-made bad placement per rule."""

from __future__ import annotations

import pytest

from infra.inventory.enums import NetworkZone
from infra.placement import AntiAffinityScope, Item, Placement, RackPower, UnplacedReason, verify
from infra.placement.unplaced import none_accepted
from tests.infra.placement.builders import host, item

HOSTS = [
    host(1, rack=1, level=2, size=(8, 32, 200)),
    host(2, rack=1, size=(8, 32, 200)),
    host(3, rack=2, zone=NetworkZone.INTERNET),
    host(4, rack=2, zone=NetworkZone.INTRANET, level=4),
    host(5, rack=3, draw=400, on=True),
]
RACKS = [RackPower(1, 1000), RackPower(2, 1000), RackPower(3, 0)]


def violations(
    items: list[Item],
    assignments: dict[int, int],
    unplaced: dict[int, str] | None = None,
    scope: AntiAffinityScope = "host",
) -> list[str]:
    reasons = {i: UnplacedReason("test", {}, text) for i, text in (unplaced or {}).items()}
    placement = Placement(assignments=assignments, unplaced=reasons)
    return verify(items, HOSTS, RACKS, placement, anti_affinity=scope)


def test_a_sound_placement_passes() -> None:
    items = [item(1, (8, 32, 200)), item(2, (4, 16, 100), level=3), item(3, (1, 1, 1))]
    assert violations(items, {1: 1, 2: 2}, {3: "capacity: none left"}) == []


@pytest.mark.parametrize(
    ("items", "assignments", "unplaced", "expected"),
    [
        ([item(1)], {1: 2, 7: 2}, {}, "item 7: not among the items to place"),
        ([item(1)], {1: 2}, {1: "too big"}, "item 1: both assigned and unplaced"),
        ([item(1), item(2)], {1: 2}, {}, "item 2: neither assigned nor given a reason"),
        ([item(1)], {}, {1: "  "}, "item 1: unplaced without a reason"),
        ([item(1)], {1: 99}, {}, "item 1: assigned to unknown host 99"),
        (
            [item(1, zone=NetworkZone.INTRANET)],
            {1: 4},
            {},
            "item 1: placed in the classified intranet zone",
        ),
        ([item(1)], {1: 3}, {}, "item 1: zone extranet placed on host 3 in zone internet"),
        (
            [item(1, level=3)],
            {1: 1},
            {},
            "item 1: MLPS level 3 on host 1 which may carry at most level 2",
        ),
        ([item(1, (9, 1, 1))], {1: 1}, {}, "host 1: 9 vCPU placed but only 8 free"),
        (
            [item(1, (4, 20, 1)), item(2, (4, 20, 1))],
            {1: 1, 2: 1},
            {},
            "host 1: 40 GiB memory placed but only 32 free",
        ),
        ([item(1, (1, 1, 201))], {1: 2}, {}, "host 2: 201 GiB storage placed but only 200 free"),
        (
            [item(1, (1, 1, 1), group="web"), item(2, (1, 1, 1), group="web")],
            {1: 2, 2: 2},
            {},
            "anti-affinity group web: items [1, 2] share host 2",
        ),
    ],
)
def test_each_rule_is_caught(
    items: list[Item], assignments: dict[int, int], unplaced: dict[int, str], expected: str
) -> None:
    assert expected in violations(items, assignments, unplaced)


def test_rack_anti_affinity_is_caught_only_in_rack_scope() -> None:
    items = [item(1, (1, 1, 1), group="db"), item(2, (1, 1, 1), group="db", level=1)]
    assert violations(items, {1: 1, 2: 2}) == []
    assert violations(items, {1: 1, 2: 2}, scope="rack") == [
        "anti-affinity group db: items [1, 2] share rack 1"
    ]


def test_rack_power_is_caught() -> None:
    hosts = [host(1, draw=600), host(2, draw=600), host(3, draw=600, on=True)]
    racks = [RackPower(1, 1000)]
    items = [item(1), item(2), item(3)]
    fine = Placement(assignments={1: 1, 3: 3}, unplaced={2: none_accepted()})
    assert verify(items, hosts, racks, fine) == []
    over = Placement(assignments={1: 1, 2: 2, 3: 3}, unplaced={})
    assert verify(items, hosts, racks, over) == [
        "rack 1: switching on hosts adds 1200 W but only 1000 W headroom"
    ]


def test_running_host_in_rack_without_headroom_is_fine() -> None:
    assert violations([item(1)], {1: 5}) == []

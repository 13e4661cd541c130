"""The plan a dry run prints: per host, per rack, and the reasons."""

from __future__ import annotations

from infra.inventory.enums import NetworkZone
from infra.placement import Dimension, Placement, plan_lines, summarize
from infra.placement.unplaced import dimension_free
from tests.infra.placement.builders import host, item

HOSTS = [
    host(1, rack=1, size=(8, 32, 200), draw=400),
    host(2, rack=2, size=(8, 32, 200), on=True),
    host(3, rack=1, size=(8, 32, 200), draw=300),
]
ITEMS = [item(1, (4, 16, 100)), item(2, (2, 4, 50)), item(3, (1, 1, 1)), item(4, (9, 1, 1))]
SHORT = dimension_free(NetworkZone.EXTRANET, dimension=Dimension.VCPU, need=9, largest=8)
PLACEMENT = Placement(assignments={1: 1, 2: 1, 3: 2}, unplaced={4: SHORT})


def test_summary_rolls_up_per_host_and_rack() -> None:
    summary = summarize(ITEMS, HOSTS, PLACEMENT)
    assert [(p.host_id, p.item_ids, p.used, p.left, p.switched_on) for p in summary.hosts] == [
        (1, (1, 2), (6, 20, 150), (2, 12, 50), True),
        (2, (3,), (1, 1, 1), (7, 31, 199), False),
    ]
    assert summary.switched_on == 1
    assert summary.added_power_w == {1: 400}
    assert summary.unplaced == {4: SHORT}


def test_plan_lines_read_as_a_plan() -> None:
    assert plan_lines(summarize(ITEMS, HOSTS, PLACEMENT)) == [
        "2 hosts receive work, 1 of them switched on; 1 items unplaced",
        "host 1 (rack 1, extranet, switch on): items 1, 2; takes 6 vCPU / 20 GiB memory / "
        "150 GiB storage, leaves 2 vCPU / 12 GiB memory / 50 GiB storage",
        "host 2 (rack 2, extranet, running): items 3; takes 1 vCPU / 1 GiB memory / "
        "1 GiB storage, leaves 7 vCPU / 31 GiB memory / 199 GiB storage",
        "rack 1: +400 W",
        "item 4 unplaced: no host in zone extranet has 9 vCPU free (largest: 8)",
    ]

"""Constraint cases for both packers, and the reasons infeasible items get."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.errors import InvalidInput
from infra.inventory.enums import NetworkZone
from infra.placement import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
    first_fit_decreasing,
    lower_bound_hosts,
    place,
    verify,
)
from infra.placement.unplaced import in_english
from tests.infra.placement.builders import EXTRANET, host, item

Packer = Callable[..., Placement]
PACKERS = pytest.mark.parametrize("packer", [place, first_fit_decreasing])
RACKS = [RackPower(1, 10_000), RackPower(2, 10_000)]


def checked(
    packer: Packer,
    items: list[Item],
    hosts: list[HostBin],
    racks: list[RackPower] = RACKS,
    scope: AntiAffinityScope = "host",
) -> Placement:
    result: Placement = packer(items, hosts, racks, anti_affinity=scope)
    assert verify(items, hosts, racks, result, anti_affinity=scope) == []
    assert set(result.assignments) | set(result.unplaced) == {i.item_id for i in items}
    return result


@PACKERS
def test_items_go_only_to_hosts_of_their_zone(packer: Packer) -> None:
    hosts = [host(1, zone=NetworkZone.INTERNET), host(2, size=(8, 32, 200))]
    items = [item(1), item(2, zone=NetworkZone.INTERNET)]
    assert checked(packer, items, hosts).assignments == {1: 2, 2: 1}


@PACKERS
def test_zone_without_hosts_is_named(packer: Packer) -> None:
    result = checked(packer, [item(1, zone=NetworkZone.PRIVATE)], [host(1)])
    assert in_english(result.unplaced) == {1: "no host in zone private"}


@PACKERS
def test_classified_intranet_is_never_placed(packer: Packer) -> None:
    hosts = [host(1, zone=NetworkZone.INTRANET, level=4)]
    result = checked(packer, [item(1, zone=NetworkZone.INTRANET)], hosts)
    assert result.assignments == {}
    assert "classified" in str(result.unplaced[1])
    assert "intranet" in str(result.unplaced[1])


@PACKERS
def test_mlps_level_above_every_host_is_refused(packer: Packer) -> None:
    result = checked(packer, [item(1, level=4), item(2, level=3)], [host(1, level=3)])
    assert result.assignments == {2: 1}
    assert in_english(result.unplaced) == {
        1: "no host may carry MLPS level 4 in zone extranet (highest: 3)"
    }


@PACKERS
def test_mlps_level_picks_a_host_that_may_carry_it(packer: Packer) -> None:
    hosts = [host(1, level=2), host(2, level=4)]
    assert checked(packer, [item(1, level=4)], hosts).assignments == {1: 2}


def test_high_level_hosts_are_kept_for_high_level_items() -> None:
    # Each host takes one item; the level-4 host must go to the level-4 item even though the
    # level-2 item comes first and the level-4 host is the roomier one.
    small = (4, 16, 100)
    hosts = [host(1, level=4, size=(6, 20, 150)), host(2, level=2, size=small)]
    result = checked(place, [item(1, small, level=2), item(2, small, level=4)], hosts)
    assert result.assignments == {1: 2, 2: 1}


@PACKERS
def test_capacity_reason_names_the_dimension_and_the_largest(packer: Packer) -> None:
    hosts = [host(1, size=(48, 256, 2048)), host(2, size=(32, 512, 2048))]
    result = checked(packer, [item(1, (64, 128, 100))], hosts)
    assert in_english(result.unplaced) == {
        1: "no host in zone extranet has 64 vCPU free (largest: 48)"
    }


@PACKERS
def test_capacity_reason_when_no_host_fits_every_dimension_at_once(packer: Packer) -> None:
    hosts = [host(1, size=(64, 64, 2048)), host(2, size=(8, 512, 2048))]
    result = checked(packer, [item(1, (32, 128, 100))], hosts)
    assert "has 32 vCPU / 128 GiB memory / 100 GiB storage free at once" in str(result.unplaced[1])


@PACKERS
def test_capacity_taken_by_other_items_is_named(packer: Packer) -> None:
    result = checked(packer, [item(1, (64, 256, 10)), item(2, (64, 256, 10))], [host(1)])
    assert len(result.assignments) == 1
    (reason,) = in_english(result.unplaced).values()
    assert reason == (
        "capacity: no host in zone extranet that may carry MLPS level 2 has 64 vCPU / "
        "256 GiB memory / 10 GiB storage left once the other items are placed (closest: "
        "host 1 with 0 vCPU / 0 GiB memory / 2038 GiB storage left)"
    )


@PACKERS
def test_anti_affinity_spreads_a_group_over_hosts(packer: Packer) -> None:
    items = [item(i, (1, 1, 1), group="web") for i in (1, 2, 3)]
    hosts = [host(h) for h in (1, 2, 3)]
    result = checked(packer, items, hosts)
    assert sorted(result.assignments.values()) == [1, 2, 3]


@PACKERS
def test_anti_affinity_group_larger_than_the_hosts_is_named(packer: Packer) -> None:
    items = [item(i, (1, 1, 1), group="web") for i in (1, 2, 3)] + [item(4, (1, 1, 1))]
    result = checked(packer, items, [host(1), host(2)])
    assert len(result.assignments) == 3
    assert 4 in result.assignments
    (reason,) = in_english(result.unplaced).values()
    assert reason.startswith("anti-affinity group web: only 2 hosts in zone extranet")
    assert "for 3 members" in reason


@PACKERS
def test_rack_anti_affinity_keeps_a_group_out_of_one_rack(packer: Packer) -> None:
    items = [item(i, (1, 1, 1), group="db") for i in (1, 2)]
    same_rack = [host(1, rack=1), host(2, rack=1)]
    result = checked(packer, items, same_rack, scope="rack")
    assert len(result.assignments) == 1
    (reason,) = in_english(result.unplaced).values()
    assert reason.startswith("anti-affinity group db: only 1 racks in zone extranet")
    two_racks = [*same_rack, host(3, rack=2)]
    result = checked(packer, items, two_racks, scope="rack")
    assert {two_racks[h - 1].rack_id for h in result.assignments.values()} == {1, 2}


@PACKERS
def test_rack_power_limits_hosts_switched_on(packer: Packer) -> None:
    racks = [RackPower(1, 500), RackPower(2, 0)]
    hosts = [host(1, draw=400), host(2, draw=400), host(3, rack=2, draw=400)]
    items = [item(1, (64, 10, 10)), item(2, (64, 10, 10))]
    result = checked(packer, items, hosts, racks)
    assert list(result.assignments.values()) == [1]
    (reason,) = in_english(result.unplaced).values()
    assert reason.startswith("rack power: 2 hosts in zone extranet with room are off")


@PACKERS
def test_running_hosts_need_no_power_headroom(packer: Packer) -> None:
    racks = [RackPower(1, 0)]
    hosts = [host(1, draw=400), host(2, draw=400, on=True)]
    result = checked(packer, [item(1)], hosts, racks)
    assert result.assignments == {1: 2}


@PACKERS
def test_rack_without_headroom_for_any_host_is_named(packer: Packer) -> None:
    result = checked(packer, [item(1)], [host(1, draw=400)], [RackPower(1, 100)])
    assert in_english(result.unplaced) == {
        1: "rack power: every host in zone extranet with room for 4 vCPU / 16 GiB memory / "
        "100 GiB storage is off and its rack lacks headroom (host 1 draws 400 W, rack 1 has "
        "100 W)"
    }


@PACKERS
def test_running_hosts_are_filled_before_others_are_switched_on(packer: Packer) -> None:
    hosts = [host(1), host(2, size=(8, 32, 200), on=True)]
    result = checked(packer, [item(1), item(2)], hosts)
    assert result.assignments == {1: 2, 2: 2}


@PACKERS
def test_malformed_input_is_refused(packer: Packer) -> None:
    with pytest.raises(InvalidInput, match="items: duplicate ids"):
        packer([item(1), item(1)], [host(1)], RACKS)
    with pytest.raises(InvalidInput, match="rack 9 not given"):
        packer([item(1)], [host(1, rack=9)], RACKS)
    with pytest.raises(InvalidInput, match="mlps_level"):
        packer([item(1, level=5)], [host(1)], RACKS)
    with pytest.raises(InvalidInput, match="negative size"):
        packer([item(1, (-1, 1, 1))], [host(1)], RACKS)


def test_completion_search_fills_a_host_the_greedy_fill_leaves_short() -> None:
    # Greedy takes the 6-vCPU item first and then nothing fits the 4 left; the search takes
    # it back and finds 5 + 5.  First-fit-decreasing keeps the 6 on the first host.
    hosts = [host(1, size=(10, 100, 100)), host(2, size=(10, 100, 100))]
    items = [item(1, (6, 1, 1)), item(2, (5, 1, 1)), item(3, (5, 1, 1))]
    assert checked(place, items, hosts).assignments == {1: 2, 2: 1, 3: 1}
    assert checked(first_fit_decreasing, items, hosts).assignments == {1: 1, 2: 2, 3: 2}


def test_identical_hosts_replay_a_fill_until_a_group_bars_it() -> None:
    hosts = [host(h, size=(8, 32, 200)) for h in range(1, 7)]
    items = [item(i, (4, 16, 100), group="web" if i <= 6 else None) for i in range(1, 13)]
    result = checked(place, items, hosts)
    assert result.hosts_used() == 6
    assert sorted(result.assignments[i] for i in range(1, 7)) == [1, 2, 3, 4, 5, 6]


def test_when_capacity_is_short_place_never_places_fewer_than_the_baseline() -> None:
    # Filling host at a time (the level-4 host first) leaves no room for the 4-vCPU item;
    # first-fit-decreasing, largest first, places all four, so place returns its placement.
    hosts = [
        host(1, level=2, size=(3, 7, 10)),
        host(2, level=3, size=(3, 6, 10), on=True),
        host(3, level=4, size=(10, 9, 10)),
        host(4, level=3, size=(4, 10, 10), on=True),
    ]
    items = [
        item(1, (2, 2, 1), level=3),
        item(2, (3, 1, 1), level=4),
        item(3, (6, 5, 1), level=3),
        item(4, (4, 3, 1), level=1),
    ]
    assert checked(first_fit_decreasing, items, hosts).unplaced == {}
    assert checked(place, items, hosts).unplaced == {}


def test_items_taking_no_room_are_placed() -> None:
    result = checked(place, [item(1, (0, 0, 0)), item(2, (64, 256, 2048))], [host(1)])
    assert result.assignments == {1: 1, 2: 1}


@PACKERS
def test_packers_are_deterministic_whatever_the_input_order(packer: Packer) -> None:
    hosts = [host(h, rack=1 + h % 2, level=2 + h % 3) for h in range(1, 9)]
    items = [
        item(
            i,
            (1 + i % 16, 2 * (1 + i % 16) * (1 + i % 4), 40 + 10 * i),
            level=1 + i % 4,
            group=f"g{i % 3}" if i % 2 else None,
        )
        for i in range(1, 60)
    ]
    first = packer(items, hosts, RACKS)
    again = packer(list(reversed(items)), list(reversed(hosts)), list(reversed(RACKS)))
    assert first == again


def test_lower_bound_counts_the_binding_dimension_per_zone() -> None:
    hosts = [host(h) for h in range(1, 6)] + [host(9, zone=NetworkZone.INTERNET)]
    items = [item(i, (16, 128, 10)) for i in range(1, 6)]  # memory: 640 GiB → 3 hosts
    items.append(item(9, (1, 1, 1), zone=NetworkZone.INTERNET))
    assert lower_bound_hosts(items, hosts) == 4
    assert lower_bound_hosts([item(1, zone=NetworkZone.INTRANET)], hosts) == 0


def test_host_and_item_records_are_plain_values() -> None:
    assert HostBin(1, 1, EXTRANET, 3, 1, 2, 3, 4, False).free == (1, 2, 3)
    assert Item(1, 1, 2, 3, EXTRANET, 2).demand == (1, 2, 3)


@pytest.mark.parametrize("scope", ["host", "rack"])
def test_many_small_anti_affinity_groups_are_placed_soundly(scope: AntiAffinityScope) -> None:
    # Hundreds of one- and two-member groups of a few sizes: buckets hold many shapes that
    # are used up as the packing goes (and dropped), and the search gives some back.
    hosts = [host(h, rack=1 + h % 2, size=(32, 128, 1000)) for h in range(1, 101)]
    sizes = [(2, 8, 50), (4, 16, 100), (8, 32, 100), (1, 2, 40), (4, 8, 60)]
    items = [
        item(i, sizes[i % len(sizes)], level=1 + i % 3, group=f"g{i // (1 + i % 2)}")
        for i in range(1, 601)
    ]
    racks = [RackPower(1, 100_000), RackPower(2, 100_000)]
    assert checked(place, items, hosts, racks, scope).unplaced == {}

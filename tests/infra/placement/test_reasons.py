"""Unplaced reasons as data: every code is reachable, its msgid's placeholders are exactly the
params it carries, zones and dimensions stay enums (so pages show their labels), and both
packers give the same reason for the same infeasible item."""

from __future__ import annotations

import re

import pytest

from infra.errors import MESSAGES
from infra.inventory.enums import NetworkZone
from infra.placement import (
    AntiAffinityScope,
    Dimension,
    HostBin,
    Item,
    Placement,
    RackPower,
    UnplacedReason,
    first_fit_decreasing,
    place,
)
from infra.placement import unplaced as why
from infra.placement.reasons import explain, group_sizes
from infra.placement.state import PackState
from tests.infra.placement.builders import host, item

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
RACKS = [RackPower(1, 10_000), RackPower(2, 10_000)]

# (items, hosts, racks, scope): each leaves exactly one item unplaced, for a different reason.
PACKED: dict[str, tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope]] = {
    why.CLASSIFIED: ([item(1, zone=NetworkZone.INTRANET)], [host(1)], RACKS, "host"),
    why.NO_HOST_IN_ZONE: ([item(1, zone=NetworkZone.PRIVATE)], [host(1)], RACKS, "host"),
    why.MLPS_LEVEL: ([item(1, level=4)], [host(1, level=3)], RACKS, "host"),
    why.DIMENSION_FREE: ([item(1, (64, 128, 100))], [host(1, size=(48, 256, 2048))], RACKS, "host"),
    why.ROOM_AT_ONCE: (
        [item(1, (32, 128, 100))],
        [host(1, size=(64, 64, 2048)), host(2, size=(8, 512, 2048))],
        RACKS,
        "host",
    ),
    why.TOO_FEW_HOSTS: (
        [item(i, (1, 1, 1), group="web") for i in (1, 2, 3)],
        [host(1), host(2)],
        RACKS,
        "host",
    ),
    why.TOO_FEW_RACKS: (
        [item(i, (1, 1, 1), group="db") for i in (1, 2)],
        [host(1), host(2)],
        RACKS,
        "rack",
    ),
    why.RACK_POWER: ([item(1)], [host(1, draw=400)], [RackPower(1, 100)], "host"),
    why.CAPACITY_TAKEN: (
        [item(1, (64, 256, 10)), item(2, (64, 256, 10))],
        [host(1)],
        RACKS,
        "host",
    ),
}


def _explained(
    scope: AntiAffinityScope,
    hosts: list[HostBin],
    headroom: dict[int, int],
    before: list[tuple[Item, int]],
    last: Item,
) -> UnplacedReason:
    """Why ``last`` finds no host once ``before`` sit where given (the packers' final stage)."""
    state = PackState(hosts, headroom, scope)
    by_id = {h.host_id: h for h in hosts}
    for placed, host_id in before:
        state.assign(placed.item_id, by_id[host_id], placed.demand, placed.anti_affinity_group)
    sizes = group_sizes([placed for placed, _ in before] + [last])
    return explain(last, hosts, state, headroom, sizes)


def _small(item_id: int, group: str | None = None) -> Item:
    return item(item_id, (4, 16, 100), group=group)


def _filler(item_id: int) -> Item:
    return item(item_id, (8, 32, 200))


EIGHT = (8, 32, 200)


def explained() -> dict[str, UnplacedReason]:
    """The reasons only a crowded final stage gives, built on a hand-made state."""
    two_hosts = [host(1, size=EIGHT), host(2, size=EIGHT)]
    apart = [host(1, rack=1, size=EIGHT), host(2, rack=2, size=EIGHT)]
    dark = [host(1, size=EIGHT, draw=400), host(2, size=EIGHT, draw=400)]
    return {
        why.SAME_HOST_TAKEN: _explained(
            "host", two_hosts, {1: 10_000}, [(_small(1, "g"), 1), (_filler(2), 2)], _small(3, "g")
        ),
        why.SAME_RACK_TAKEN: _explained(
            "rack",
            apart,
            {1: 10_000, 2: 10_000},
            [(_small(1, "g"), 1), (_filler(2), 2)],
            _small(3, "g"),
        ),
        why.RACKS_WITHOUT_HEADROOM: _explained(
            "host", dark, {1: 500}, [(_filler(1), 1)], _small(2)
        ),
        why.NONE_ACCEPTED: _explained("host", two_hosts, {1: 10_000}, [], _small(1)),
    }


def every_reason() -> list[UnplacedReason]:
    packed = [
        reason
        for items, hosts, racks, scope in PACKED.values()
        for reason in place(items, hosts, racks, anti_affinity=scope).unplaced.values()
    ]
    return packed + list(explained().values())


def test_each_case_gives_the_reason_it_is_named_for() -> None:
    """Catches a case that drifted to another constraint (the coverage below would lie)."""
    for code, (items, hosts, racks, scope) in PACKED.items():
        (reason,) = place(items, hosts, racks, anti_affinity=scope).unplaced.values()
        assert reason.code == code, str(reason)
    assert {code: reason.code for code, reason in explained().items()} == {
        code: code for code in explained()
    }


def test_every_reason_code_is_reached_by_a_case() -> None:
    """Catches a code declared (and translated) that no case exercises."""
    assert {part.code for reason in every_reason() for part in reason.parts} == why.REASON_CODES


def test_every_msgid_names_exactly_the_params_of_its_reason() -> None:
    """Catches a msgid with a placeholder its reason does not fill (the page would fall back to
    English) or a param the msgid drops (a fact the reader never sees)."""
    for reason in every_reason():
        for part in reason.parts:
            assert set(PLACEHOLDER.findall(MESSAGES[part.code])) == set(part.params), part.code


def test_zones_and_dimensions_stay_enums_so_pages_show_their_labels() -> None:
    for reason in every_reason():
        for part in reason.parts:
            if "zone" in part.params:
                assert isinstance(part.params["zone"], NetworkZone)
            if "dimension" in part.params:
                assert isinstance(part.params["dimension"], Dimension)
            assert all(
                isinstance(value, NetworkZone | Dimension | int | str)
                for value in part.params.values()
            )


def test_a_reason_naming_several_constraints_keeps_each() -> None:
    """Catches a compound reason losing a part, or its English changing."""
    items = [item(1, (99, 999, 100))]
    (reason,) = place(items, [host(1)], RACKS).unplaced.values()
    assert [(p.code, p.params["dimension"], p.params["need"]) for p in reason.parts] == [
        (why.DIMENSION_FREE, Dimension.VCPU, 99),
        (why.DIMENSION_FREE, Dimension.MEMORY, 999),
    ]
    assert str(reason) == (
        "no host in zone extranet has 99 vCPU free (largest: 64); "
        "no host in zone extranet has 999 GiB memory free (largest: 256)"
    )
    blocked_and_dark = _explained(
        "host",
        [host(1, size=EIGHT), host(2, size=EIGHT)],
        {1: 500},  # room to switch on either host, not both
        [(_small(1, "g"), 1)],
        _small(2, "g"),
    )
    assert [p.code for p in blocked_and_dark.parts] == [
        why.SAME_HOST_TAKEN,
        why.RACKS_WITHOUT_HEADROOM,
    ]


@pytest.mark.parametrize("code", sorted(PACKED))
def test_both_packers_give_the_same_reason(code: str) -> None:
    """Same constraints, same reasons: codes, params and English all agree."""
    items, hosts, racks, scope = PACKED[code]
    results: list[Placement] = [
        packer(items, hosts, racks, anti_affinity=scope) for packer in (place, first_fit_decreasing)
    ]
    engine, baseline = (r.unplaced for r in results)
    assert engine == baseline
    assert [(r.code, dict(r.params), str(r)) for r in engine.values()] == [
        (r.code, dict(r.params), str(r)) for r in baseline.values()
    ]

"""Property tests on random instances: whatever the input, both packers obey every rule."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.errors import MESSAGES
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
from infra.placement import unplaced as why
from infra.placement.unplaced import REASON_CODES
from tests.infra.placement.test_reasons import PLACEHOLDER

ZONES = st.sampled_from([NetworkZone.EXTRANET, NetworkZone.INTERNET, NetworkZone.INTRANET])
GROUPS = st.sampled_from([None, None, None, "web", "db"])


@st.composite
def instances(
    draw: st.DrawFn,
) -> tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope]:
    racks = [
        RackPower(rack_id, draw(st.integers(0, 2000)))
        for rack_id in range(1, draw(st.integers(1, 4)) + 1)
    ]
    # Half the hosts come in a few stock sizes, so identical hosts (and replayed fills) occur.
    sizes = st.one_of(
        st.sampled_from([(16, 64, 400), (8, 32, 200)]),
        st.tuples(st.integers(0, 32), st.integers(0, 128), st.integers(0, 500)),
    )
    hosts = [
        HostBin(
            host_id,
            draw(st.sampled_from([r.rack_id for r in racks])),
            draw(ZONES),
            draw(st.integers(1, 4)),
            *draw(sizes),
            power_draw_w=draw(st.integers(0, 800)),
            powered_on=draw(st.booleans()),
        )
        for host_id in range(1, draw(st.integers(0, 10)) + 1)
    ]
    items = [
        Item(
            item_id=item_id,
            vcpu=draw(st.integers(0, 16)),
            memory_gib=draw(st.sampled_from([0, 1, 2, 4, 8, 16, 32, 64])),
            storage_gib=draw(st.integers(0, 200)),
            zone=draw(ZONES),
            mlps_level=draw(st.integers(1, 4)),
            anti_affinity_group=draw(GROUPS),
        )
        for item_id in range(1, draw(st.integers(0, 30)) + 1)
    ]
    scope: AntiAffinityScope = draw(st.sampled_from(["host", "rack"]))
    return items, hosts, racks, scope


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(
    packer_result: Placement,
    items: list[Item],
    hosts: list[HostBin],
    racks: list[RackPower],
    scope: AntiAffinityScope,
) -> None:
    assert verify(items, hosts, racks, packer_result, anti_affinity=scope) == []
    ids = {i.item_id for i in items}
    assert set(packer_result.assignments) | set(packer_result.unplaced) == ids
    assert not set(packer_result.assignments) & set(packer_result.unplaced)
    assert all(str(reason).strip() for reason in packer_result.unplaced.values())
    for reason in packer_result.unplaced.values():  # every reason is one the pages can say
        for part in reason.parts:
            assert part.code in REASON_CODES
            assert set(PLACEHOLDER.findall(MESSAGES[part.code])) == set(part.params)
    if not packer_result.unplaced:
        assert packer_result.hosts_used() >= lower_bound_hosts(items, hosts)
    # Nothing left out could have gone anywhere: adding any unplaced item to any host breaks
    # a rule the verifier names.
    for item_id in packer_result.unplaced:
        for host in hosts:
            grown = Placement(
                assignments={**packer_result.assignments, item_id: host.host_id},
                unplaced={k: v for k, v in packer_result.unplaced.items() if k != item_id},
            )
            assert verify(items, hosts, racks, grown, anti_affinity=scope)


@PROPERTY
@given(instances())
def test_place_obeys_every_rule(
    instance: tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope],
) -> None:
    items, hosts, racks, scope = instance
    result = place(items, hosts, racks, anti_affinity=scope)
    _check(result, items, hosts, racks, scope)
    baseline = first_fit_decreasing(items, hosts, racks, anti_affinity=scope)
    assert len(result.unplaced) <= len(baseline.unplaced)


@PROPERTY
@given(instances())
def test_first_fit_decreasing_obeys_every_rule(
    instance: tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope],
) -> None:
    items, hosts, racks, scope = instance
    result = first_fit_decreasing(items, hosts, racks, anti_affinity=scope)
    _check(result, items, hosts, racks, scope)


# Reasons that depend on the input alone (not on what else was packed where).
INPUT_ONLY = {
    why.CLASSIFIED,
    why.NO_HOST_IN_ZONE,
    why.MLPS_LEVEL,
    why.DIMENSION_FREE,
    why.ROOM_AT_ONCE,
}


@PROPERTY
@given(instances())
def test_both_packers_give_the_same_reason_where_the_input_alone_decides(
    instance: tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope],
) -> None:
    """Same constraints, same reasons: an item no host could ever take gets the same code,
    params and English from the engine and the baseline."""
    items, hosts, racks, scope = instance
    engine = place(items, hosts, racks, anti_affinity=scope).unplaced
    baseline = first_fit_decreasing(items, hosts, racks, anti_affinity=scope).unplaced
    for one, other in ((engine, baseline), (baseline, engine)):
        for item_id, reason in one.items():
            if reason.code in INPUT_ONLY:
                assert other.get(item_id) == reason
                assert str(other[item_id]) == str(reason)


@settings(max_examples=30, deadline=None)
@given(instances())
def test_place_is_deterministic_and_order_blind(
    instance: tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope],
) -> None:
    items, hosts, racks, scope = instance
    first = place(items, hosts, racks, anti_affinity=scope)
    shuffled = place(items[::-1], hosts[::-1], racks[::-1], anti_affinity=scope)
    assert first == shuffled


@settings(max_examples=30, deadline=None)
@given(instances(), st.data())
def test_verify_catches_an_overbooked_host(
    instance: tuple[list[Item], list[HostBin], list[RackPower], AntiAffinityScope],
    data: st.DataObject,
) -> None:
    """Tampering with a sound placement so that one item is overbooked is always caught."""
    items, hosts, racks, scope = instance
    result = place(items, hosts, racks, anti_affinity=scope)
    if not result.assignments:
        return
    item_id = data.draw(st.sampled_from(sorted(result.assignments)))
    host = next(h for h in hosts if h.host_id == result.assignments[item_id])
    bloated = [replace(i, vcpu=host.vcpu + 1) if i.item_id == item_id else i for i in items]
    assert any(
        "vCPU placed but only" in problem
        for problem in verify(bloated, hosts, racks, result, anti_affinity=scope)
    )

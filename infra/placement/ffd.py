"""The baseline: three-dimensional first-fit decreasing.

Items go largest first (sum of the dimensions, each normalised by the largest host in the
zone) onto the first host, in opening order, that has room, keeps anti-affinity and power.
Same constraints, same reasons as :func:`infra.placement.engine.place`; only the packing
differs.  Kept honest and fast so the benchmark compares algorithms, not implementations.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.placement.problem import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
    validate,
)
from infra.placement.reasons import conclude, host_order, shared_zones
from infra.placement.state import PackState


def first_fit_decreasing(
    items: Sequence[Item],
    hosts: Sequence[HostBin],
    racks: Sequence[RackPower],
    *,
    anti_affinity: AntiAffinityScope = "host",
) -> Placement:
    """Place items by 3-D first-fit decreasing (the baseline the engine must beat)."""
    headroom = validate(items, hosts, racks)
    state = PackState(hosts, headroom, anti_affinity)
    order = host_order(hosts)
    for zone, zone_hosts in shared_zones(order).items():
        top = [max(max(h.free[d] for h in zone_hosts), 1) for d in range(3)]
        mine = sorted(
            (i for i in items if i.zone is zone),
            key=lambda i: (-sum(i.demand[d] / top[d] for d in range(3)), i.item_id),
        )
        # Room and rack power only shrink, so a host that had no room for an item of one
        # size and level has none for every later one: resume the scan where the first
        # host with room was (anti-affinity may still turn a roomy host down).
        resume: dict[tuple[tuple[int, int, int], int], int] = {}
        for item in mine:
            key = (item.demand, item.mlps_level)
            group = item.anti_affinity_group
            roomy = len(zone_hosts)
            for index in range(resume.get(key, 0), len(zone_hosts)):
                host = zone_hosts[index]
                if host.max_mlps_level < item.mlps_level or not state.fits(host, item.demand, None):
                    continue
                roomy = min(roomy, index)
                if group is None or (group, state.where(host)) not in state.taken:
                    state.assign(item.item_id, host, item.demand, group)
                    break
            resume[key] = roomy
    unplaced = conclude(items, hosts, state, headroom, order)
    return Placement(assignments=dict(state.assignments), unplaced=unplaced)

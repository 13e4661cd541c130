"""The baseline: three-dimensional first-fit decreasing.

Items go largest first (sum of the dimensions, each normalised by the largest host in the
zone) onto the first host, in opening order, that has room, keeps anti-affinity and power.
Same constraints, same reasons as :func:`infra.placement.engine.place`; only the packing
differs.  Kept honest and fast so the benchmark compares algorithms, not implementations.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.inventory.enums import NetworkZone
from infra.placement.problem import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
    validate,
)
from infra.placement.reasons import conclude, host_order
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
    zones: dict[NetworkZone, list[HostBin]] = {}
    for host in order:
        zones.setdefault(host.zone, []).append(host)
    for zone, zone_hosts in zones.items():
        if zone is NetworkZone.INTRANET:
            continue
        top = [max(max(h.free[d] for h in zone_hosts), 1) for d in range(3)]
        mine = sorted(
            (i for i in items if i.zone is zone),
            key=lambda i: (-sum(i.demand[d] / top[d] for d in range(3)), i.item_id),
        )
        # Residual room only shrinks, so a host that refused an item of one shape refuses
        # every later item of that shape: resume the scan where the last one stopped.
        resume: dict[tuple[tuple[int, int, int], int, str | None], int] = {}
        for item in mine:
            key = (item.demand, item.mlps_level, item.anti_affinity_group)
            start = resume.get(key, 0)
            for index in range(start, len(zone_hosts)):
                host = zone_hosts[index]
                if host.max_mlps_level >= item.mlps_level and state.fits(
                    host, item.demand, item.anti_affinity_group
                ):
                    state.assign(item.item_id, host, item.demand, item.anti_affinity_group)
                    resume[key] = index
                    break
            else:
                resume[key] = len(zone_hosts)
    unplaced = conclude(items, hosts, state, headroom, order)
    return Placement(assignments=dict(state.assignments), unplaced=unplaced)

"""Why an item went nowhere: name the constraint that binds, from the hardest rule down."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from infra.inventory.enums import NetworkZone
from infra.placement.problem import DIMENSION_LABELS, DIMENSIONS, HostBin, Item, describe
from infra.placement.state import PackState

CLASSIFIED = "zone intranet is the classified 电子政务内网: it never hosts shared-cloud capacity"


def group_sizes(items: Sequence[Item]) -> Counter[tuple[str, NetworkZone]]:
    """How many members each anti-affinity group has in each zone."""
    return Counter(
        (item.anti_affinity_group, item.zone)
        for item in items
        if item.anti_affinity_group is not None
    )


def explain(
    item: Item,
    zone_hosts: Sequence[HostBin],
    state: PackState,
    headroom: Mapping[int, int],
    sizes: Counter[tuple[str, NetworkZone]],
) -> str:
    """The binding constraint for an item no host took, as one sentence."""
    zone = item.zone.value
    if item.zone is NetworkZone.INTRANET:
        return CLASSIFIED
    if not zone_hosts:
        return f"no host in zone {zone}"
    capable = [h for h in zone_hosts if h.max_mlps_level >= item.mlps_level]
    if not capable:
        highest = max(h.max_mlps_level for h in zone_hosts)
        return f"no host may carry MLPS level {item.mlps_level} in zone {zone} (highest: {highest})"
    demand = item.demand
    roomy = [h for h in capable if all(n <= f for n, f in zip(demand, h.free, strict=True))]
    if not roomy:
        short = [
            f"no host in zone {zone} has {need} {DIMENSION_LABELS[dim]} free "
            f"(largest: {max(h.free[d] for h in capable)})"
            for d, (dim, need) in enumerate(zip(DIMENSIONS, demand, strict=True))
            if need > max(h.free[d] for h in capable)
        ]
        return "; ".join(short) or f"no host in zone {zone} has {describe(demand)} free at once"
    group = item.anti_affinity_group
    if group is not None:
        domains = {state.where(h) for h in roomy}
        members = sizes[(group, item.zone)]
        if members > len(domains):
            noun = "hosts" if state.scope == "host" else "racks"
            return (
                f"anti-affinity group {group}: only {len(domains)} {noun} in zone {zone} "
                f"can carry {describe(demand)} at MLPS level {item.mlps_level}, "
                f"for {members} members"
            )
    startable = [h for h in roomy if h.powered_on or headroom[h.rack_id] >= h.power_draw_w]
    if not startable:
        host = roomy[0]
        return (
            f"rack power: every host in zone {zone} with room for {describe(demand)} is off "
            f"and its rack lacks headroom (host {host.host_id} draws {host.power_draw_w} W, "
            f"rack {host.rack_id} has {headroom[host.rack_id]} W)"
        )
    with_room = [
        h
        for h in roomy
        if all(n <= f for n, f in zip(demand, state.residual[h.host_id], strict=True))
    ]
    if not with_room:
        closest = max(
            roomy,
            key=lambda h: (
                min(
                    (state.residual[h.host_id][d] / n for d, n in enumerate(demand) if n),
                    default=0.0,
                ),
                -h.host_id,
            ),
        )
        return (
            f"capacity: no host in zone {zone} that may carry MLPS level {item.mlps_level} "
            f"has {describe(demand)} left once the other items are placed (closest: host "
            f"{closest.host_id} with {describe(state.residual[closest.host_id])} left)"
        )
    blocked = [h for h in with_room if group is not None and (group, state.where(h)) in state.taken]
    unpowered = [h for h in with_room if h not in blocked and not state.power_ok(h)]
    parts = []
    if blocked:
        parts.append(
            f"anti-affinity group {group}: the {len(blocked)} hosts in zone {zone} "
            f"with room already carry a member in the same {state.scope}"
        )
    if unpowered:
        host = unpowered[0]
        parts.append(
            f"rack power: {len(unpowered)} hosts in zone {zone} with room are off and "
            f"their racks lack headroom (host {host.host_id} draws {host.power_draw_w} W, "
            f"rack {host.rack_id} has {state.rack_left[host.rack_id]} W left)"
        )
    return "; ".join(parts) or "no host accepted it"


def conclude(
    items: Sequence[Item],
    hosts: Sequence[HostBin],
    state: PackState,
    headroom: Mapping[int, int],
    order: Sequence[HostBin],
) -> dict[int, str]:
    """Give every item still unplaced one last try on any host, then a reason."""
    by_zone = shared_zones(order)
    left = sorted(
        (item for item in items if item.item_id not in state.assignments),
        key=lambda item: item.item_id,
    )
    for item in left:
        if item.zone is NetworkZone.INTRANET:
            continue
        for host in by_zone.get(item.zone, ()):
            if host.max_mlps_level >= item.mlps_level and state.fits(
                host, item.demand, item.anti_affinity_group
            ):
                state.assign(item.item_id, host, item.demand, item.anti_affinity_group)
                break
    sizes = group_sizes(items)
    return {
        item.item_id: explain(item, by_zone.get(item.zone, []), state, headroom, sizes)
        for item in left
        if item.item_id not in state.assignments
    }


def shared_zones(order: Sequence[HostBin]) -> dict[NetworkZone, list[HostBin]]:
    """Hosts by zone, each zone's in ``order``; the classified intranet is never shared."""
    zones: dict[NetworkZone, list[HostBin]] = {}
    for host in order:
        if host.zone is not NetworkZone.INTRANET:
            zones.setdefault(host.zone, []).append(host)
    return zones


def host_order(hosts: Sequence[HostBin]) -> list[HostBin]:
    """The order hosts are opened in: running ones first, then the least privileged (lowest
    MLPS level), the roomiest, the most frugal."""
    top = [max(max(h.free[d] for h in hosts), 1) for d in range(3)] if hosts else [1, 1, 1]
    return sorted(
        hosts,
        key=lambda h: (
            not h.powered_on,
            h.max_mlps_level,
            -sum(h.free[d] / top[d] for d in range(3)),
            h.power_draw_w,
            h.host_id,
        ),
    )

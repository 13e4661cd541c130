"""Why an item went nowhere: name the constraint that binds, from the hardest rule down
(the reasons themselves, with their codes and msgids, are in ``unplaced.py``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from infra.inventory.enums import NetworkZone
from infra.placement import unplaced as why
from infra.placement.problem import DIMENSIONS, HostBin, Item
from infra.placement.state import PackState
from infra.placement.unplaced import UnplacedReason


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
) -> UnplacedReason:
    """The binding constraint for an item no host took."""
    zone, level, demand = item.zone, item.mlps_level, item.demand
    if zone is NetworkZone.INTRANET:
        return why.classified(zone)
    if not zone_hosts:
        return why.no_host_in_zone(zone)
    capable = [h for h in zone_hosts if h.max_mlps_level >= level]
    if not capable:
        highest = max(h.max_mlps_level for h in zone_hosts)
        return why.mlps_level(zone, level=level, highest=highest)
    roomy = [h for h in capable if all(n <= f for n, f in zip(demand, h.free, strict=True))]
    if not roomy:
        largest = [max(h.free[d] for h in capable) for d in range(len(DIMENSIONS))]
        short = [
            why.dimension_free(zone, dimension=dim, need=need, largest=most)
            for dim, need, most in zip(DIMENSIONS, demand, largest, strict=True)
            if need > most
        ]
        return UnplacedReason.all_of(short) if short else why.room_at_once(zone, demand=demand)
    group = item.anti_affinity_group
    if group is not None:
        domains = {state.where(h) for h in roomy}
        members = sizes[(group, zone)]
        if members > len(domains):
            return why.too_few_domains(
                zone,
                group=group,
                scope=state.scope,
                domains=len(domains),
                demand=demand,
                level=level,
                members=members,
            )
    startable = [h for h in roomy if h.powered_on or headroom[h.rack_id] >= h.power_draw_w]
    if not startable:
        host = roomy[0]
        return why.rack_power(
            zone,
            demand=demand,
            host=host.host_id,
            draw_w=host.power_draw_w,
            rack=host.rack_id,
            headroom_w=headroom[host.rack_id],
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
        return why.capacity_taken(
            zone,
            level=level,
            demand=demand,
            host=closest.host_id,
            left=state.residual[closest.host_id],
        )
    blocked = [h for h in with_room if group is not None and (group, state.where(h)) in state.taken]
    unpowered = [h for h in with_room if h not in blocked and not state.power_ok(h)]
    parts = []
    if blocked:
        assert group is not None
        parts.append(why.group_taken(zone, group=group, scope=state.scope, count=len(blocked)))
    if unpowered:
        host = unpowered[0]
        parts.append(
            why.racks_without_headroom(
                zone,
                count=len(unpowered),
                host=host.host_id,
                draw_w=host.power_draw_w,
                rack=host.rack_id,
                left_w=state.rack_left[host.rack_id],
            )
        )
    return UnplacedReason.all_of(parts) if parts else why.none_accepted()


def conclude(
    items: Sequence[Item],
    hosts: Sequence[HostBin],
    state: PackState,
    headroom: Mapping[int, int],
    order: Sequence[HostBin],
) -> dict[int, UnplacedReason]:
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

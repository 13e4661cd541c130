"""An independent checker: recomputes every constraint from the raw input and a placement.

It shares nothing with the packers but the data types, so a bug in a packer cannot hide
itself here.  It returns every violation as text; an empty list means the placement holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from infra.inventory.enums import NetworkZone
from infra.placement.problem import (
    DIMENSION_LABELS,
    DIMENSIONS,
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
)


def verify(
    items: Sequence[Item],
    hosts: Sequence[HostBin],
    racks: Sequence[RackPower],
    placement: Placement,
    *,
    anti_affinity: AntiAffinityScope = "host",
) -> list[str]:
    """Every way ``placement`` breaks the rules for this input, as sentences."""
    problems: list[str] = []
    by_item = {item.item_id: item for item in items}
    by_host = {host.host_id: host for host in hosts}
    headroom = {rack.rack_id: rack.headroom_w for rack in racks}

    for item_id in sorted(set(placement.assignments) | set(placement.unplaced)):
        if item_id not in by_item:
            problems.append(f"item {item_id}: not among the items to place")
    for item_id in sorted(by_item):
        assigned = item_id in placement.assignments
        unplaced = item_id in placement.unplaced
        if assigned and unplaced:
            problems.append(f"item {item_id}: both assigned and unplaced")
        elif not assigned and not unplaced:
            problems.append(f"item {item_id}: neither assigned nor given a reason")
        elif unplaced and not str(placement.unplaced[item_id]).strip():
            problems.append(f"item {item_id}: unplaced without a reason")

    load: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    members: dict[tuple[str, int], list[int]] = defaultdict(list)
    for item_id, host_id in sorted(placement.assignments.items()):
        item = by_item.get(item_id)
        if item is None:
            continue
        host = by_host.get(host_id)
        if host is None:
            problems.append(f"item {item_id}: assigned to unknown host {host_id}")
            continue
        if item.zone is NetworkZone.INTRANET or host.zone is NetworkZone.INTRANET:
            problems.append(f"item {item_id}: placed in the classified intranet zone")
        if item.zone != host.zone:
            problems.append(
                f"item {item_id}: zone {item.zone.value} placed on host {host_id} "
                f"in zone {host.zone.value}"
            )
        if item.mlps_level > host.max_mlps_level:
            problems.append(
                f"item {item_id}: MLPS level {item.mlps_level} on host {host_id} "
                f"which may carry at most level {host.max_mlps_level}"
            )
        used = load[host_id]
        used[0] += item.vcpu
        used[1] += item.memory_gib
        used[2] += item.storage_gib
        if item.anti_affinity_group is not None:
            where = host_id if anti_affinity == "host" else host.rack_id
            members[(item.anti_affinity_group, where)].append(item_id)

    for host_id, used in sorted(load.items()):
        free = by_host[host_id].free
        for dim, need, room in zip(DIMENSIONS, used, free, strict=True):
            if need > room:
                problems.append(
                    f"host {host_id}: {need} {DIMENSION_LABELS[dim]} placed but only {room} free"
                )

    for (group, where), ids in sorted(members.items()):
        if len(ids) > 1:
            problems.append(
                f"anti-affinity group {group}: items {ids} share {anti_affinity} {where}"
            )

    switched_on: dict[int, int] = defaultdict(int)
    for host_id in sorted(load):
        host = by_host[host_id]
        if not host.powered_on:
            switched_on[host.rack_id] += host.power_draw_w
    for rack_id, draw in sorted(switched_on.items()):
        if rack_id not in headroom:
            problems.append(f"rack {rack_id}: hosts switched on in a rack with no power budget")
        elif draw > headroom[rack_id]:
            problems.append(
                f"rack {rack_id}: switching on hosts adds {draw} W "
                f"but only {headroom[rack_id]} W headroom"
            )
    return problems

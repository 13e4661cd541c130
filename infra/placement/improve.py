"""Local search after the greedy fill: switch hosts off again by moving all their items
onto hosts that run anyway.

The least-loaded newly opened hosts are tried first; each item (largest first) goes to the
running host where it leaves the least room (best fit).  A host that cannot be emptied is
restored exactly.  The pass stops after a run of failures, so it stays cheap on large fleets.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.placement.problem import HostBin, Item
from infra.placement.state import PackState

MAX_FAILURES = 16  # consecutive hosts that could not be emptied before the pass gives up


def empty_hosts(items: Sequence[Item], order: Sequence[HostBin], state: PackState) -> None:
    """Move items off lightly loaded hosts that were switched on, where the others can take
    them, so those hosts stay off."""
    by_id = {item.item_id: item for item in items}
    on_host: dict[int, list[Item]] = {}
    for item_id, host_id in sorted(state.assignments.items()):
        on_host.setdefault(host_id, []).append(by_id[item_id])
    zones: dict[object, list[HostBin]] = {}
    for host in order:
        zones.setdefault(host.zone, []).append(host)
    for zone_hosts in zones.values():
        placed = [item for h in zone_hosts for item in on_host.get(h.host_id, ())]
        if not placed:
            continue
        floor = [
            min(item.vcpu for item in placed),
            min(item.memory_gib for item in placed),
            min(item.storage_gib for item in placed),
        ]
        candidates = sorted(
            (h for h in zone_hosts if not h.powered_on and h.host_id in on_host),
            key=lambda h: (_used_share(state, h), h.host_id),
        )
        # Hosts with room for at least the smallest item; emptied ones drop out as they go.
        targets = [
            h
            for h in zone_hosts
            if state.running(h) and all(state.residual[h.host_id][d] >= floor[d] for d in range(3))
        ]
        failures = 0
        for host in candidates:
            if failures >= MAX_FAILURES:
                break
            if _evacuate(state, host, on_host, targets):
                failures = 0
            else:
                failures += 1


def _used_share(state: PackState, host: HostBin) -> float:
    room = state.residual[host.host_id]
    return sum((host.free[d] - room[d]) / max(host.free[d], 1) for d in range(3))


def _evacuate(
    state: PackState, host: HostBin, on_host: dict[int, list[Item]], targets: Sequence[HostBin]
) -> bool:
    """Move every item off ``host`` onto ``targets``, or change nothing and say False."""
    moving = sorted(on_host[host.host_id], key=lambda i: (-sum(i.demand), i.item_id))
    for item in moving:
        state.unassign(item.item_id, item.demand, item.anti_affinity_group)
    moved: list[tuple[Item, HostBin]] = []
    for item in moving:
        target = _best_fit(state, item, [t for t in targets if t is not host])
        if target is None:
            break
        state.assign(item.item_id, target, item.demand, item.anti_affinity_group)
        moved.append((item, target))
    if len(moved) == len(moving):
        del on_host[host.host_id]
        for item, target in moved:
            on_host.setdefault(target.host_id, []).append(item)
        return True
    for item, _ in moved:
        state.unassign(item.item_id, item.demand, item.anti_affinity_group)
    for item in moving:
        state.assign(item.item_id, host, item.demand, item.anti_affinity_group)
    return False


def _best_fit(state: PackState, item: Item, targets: Sequence[HostBin]) -> HostBin | None:
    """The host where the item leaves the least room (normalised), among those that take it."""
    best: HostBin | None = None
    best_left = float("inf")
    for host in targets:
        if host.max_mlps_level < item.mlps_level or not state.running(host):
            continue
        if not state.fits(host, item.demand, item.anti_affinity_group):
            continue
        room = state.residual[host.host_id]
        left = sum((room[d] - item.demand[d]) / max(host.free[d], 1) for d in range(3))
        if left < best_left:
            best, best_left = host, left
    return best

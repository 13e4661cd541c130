"""The placement engine: host-at-a-time best alignment, then a pass that empties hosts.

Per zone, items of identical shape (size, MLPS level, anti-affinity group) are kept as one
class with a count, so each step weighs a handful of shapes rather than every item.

1. **Open** the next host: running hosts first, then the least privileged host that may carry
   the most demanding MLPS level still waiting (so level-4 hosts are kept for level-4 work),
   the roomiest, the most frugal.  Switching an off host on must fit its rack's power.
2. **Fill** it, one item at a time, with the fitting item whose demand vector is best aligned
   with the host's remaining room (dot product, each dimension normalised by the host's
   size): CPU-heavy and memory-heavy flavours end up side by side, which is where
   first-fit-decreasing strands capacity.  Items that need this host's MLPS level go first.
3. **Empty**: try to move every item of the least-loaded newly opened hosts onto the other
   open hosts (best fit); a host emptied is switched off again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

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
from infra.placement.state import Demand, PackState

SIZE_BIAS = 0.25


@dataclass
class _Shape:
    """Items of one zone that are interchangeable: same size, MLPS level and group."""

    demand: Demand
    level: int
    group: str | None
    tier: int  # the lowest host MLPS level in the zone that may carry this shape
    ids: list[int] = field(default_factory=list)  # waiting, highest id first (pop the lowest)


@dataclass
class _Bucket:
    """The shapes of one size; scoring looks at sizes, the pick inside takes the most
    constrained shape the host admits (highest MLPS tier and level, grouped before free)."""

    demand: Demand
    shapes: list[_Shape]
    count: int

    def pick(self, state: PackState, host: HostBin, min_tier: int) -> _Shape | None:
        where = state.where(host)
        for shape in self.shapes:
            if (
                shape.ids
                and shape.level <= host.max_mlps_level
                and shape.tier >= min_tier
                and (shape.group is None or (shape.group, where) not in state.taken)
            ):
                return shape
        return None


def place(
    items: Sequence[Item],
    hosts: Sequence[HostBin],
    racks: Sequence[RackPower],
    *,
    anti_affinity: AntiAffinityScope = "host",
) -> Placement:
    """Pack items onto hosts with as few hosts as possible, every constraint kept."""
    headroom = validate(items, hosts, racks)
    state = PackState(hosts, headroom, anti_affinity)
    order = host_order(hosts)
    zones: dict[NetworkZone, list[HostBin]] = {}
    for host in order:
        zones.setdefault(host.zone, []).append(host)
    for zone, zone_hosts in zones.items():
        if zone is not NetworkZone.INTRANET:
            _pack_zone([i for i in items if i.zone is zone], zone_hosts, state)
    _empty_hosts(items, order, state)
    unplaced = conclude(items, hosts, state, headroom, order)
    return Placement(assignments=dict(state.assignments), unplaced=unplaced)


def _buckets(items: Sequence[Item], hosts: Sequence[HostBin]) -> list[_Bucket]:
    levels = sorted({h.max_mlps_level for h in hosts})
    shapes: dict[tuple[Demand, int, str | None], _Shape] = {}
    for item in sorted(items, key=lambda i: -i.item_id):
        key = (item.demand, item.mlps_level, item.anti_affinity_group)
        if key not in shapes:
            tier = next((lv for lv in levels if lv >= item.mlps_level), 0)
            shapes[key] = _Shape(item.demand, item.mlps_level, item.anti_affinity_group, tier)
        shapes[key].ids.append(item.item_id)
    by_size: dict[Demand, list[_Shape]] = {}
    for shape in shapes.values():
        if shape.tier:  # shapes no host in the zone may carry are left to the reasons
            by_size.setdefault(shape.demand, []).append(shape)
    top = [max(max((h.free[d] for h in hosts), default=1), 1) for d in range(3)]
    return [
        _Bucket(
            demand,
            sorted(
                group,
                key=lambda s: (-s.tier, -s.level, s.group is None, s.group or "", -len(s.ids)),
            ),
            sum(len(s.ids) for s in group),
        )
        for demand, group in sorted(
            by_size.items(), key=lambda kv: (-sum(kv[0][d] / top[d] for d in range(3)), kv[0])
        )
    ]


def _pack_zone(items: Sequence[Item], hosts: Sequence[HostBin], state: PackState) -> None:
    buckets = _buckets(items, hosts)
    waiting = Counter(s.tier for b in buckets for s in b.shapes for _ in s.ids)
    closed: set[int] = set()
    cursor: dict[int, int] = {}  # per MLPS tier: hosts before this index cannot serve it
    while waiting:
        need = max(waiting)
        index = cursor.get(need, 0)
        while index < len(hosts):
            host = hosts[index]
            if (
                host.host_id not in closed
                and host.max_mlps_level >= need
                and state.power_ok(host)
                and any(
                    b.count and state.fits(host, b.demand, None) and b.pick(state, host, need)
                    for b in buckets
                )
            ):
                break
            index += 1
        cursor[need] = index
        if index == len(hosts):
            # No host left can take the most demanding level: leave those to the reasons.
            del waiting[need]
            continue
        host = hosts[index]
        closed.add(host.host_id)
        for min_tier in (need, 0):
            for shape in _fill(state, host, buckets, min_tier):
                if shape.tier in waiting:
                    waiting[shape.tier] -= 1
                    if not waiting[shape.tier]:
                        del waiting[shape.tier]


def _fill(
    state: PackState, host: HostBin, buckets: Sequence[_Bucket], min_tier: int
) -> Iterator[_Shape]:
    """Add the best-aligned fitting item to ``host`` until nothing more fits; yield the shape
    of each item placed.

    The score is the cosine between the item's demand and the host's room (both normalised
    by the host's size) times ``|demand| ** SIZE_BIAS``: alignment first, with a gentle pull
    towards larger items.  Pure dot product (bias 1) packs big items first like FFD and
    leaves the small CPU-heavy flavours stranded at the end; pure cosine (bias 0) dithers.
    The room's norm is the same for every candidate, so it drops out.
    """
    room = state.residual[host.host_id]
    s0, s1, s2 = (max(v, 1) for v in host.free)
    live: list[tuple[_Bucket, float, float, float]] = []
    for bucket in buckets:
        if not bucket.count:
            continue
        a0, a1, a2 = bucket.demand[0] / s0, bucket.demand[1] / s1, bucket.demand[2] / s2
        norm = math.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
        # An item that takes no room at all is always the best choice.
        factor = norm ** (SIZE_BIAS - 1) if norm else math.inf
        if not norm:
            a0 = a1 = a2 = 1.0
        live.append((bucket, a0 * factor, a1 * factor, a2 * factor))
    while live:
        r0, r1, r2 = room
        n0, n1, n2 = r0 / s0 + 1e-12, r1 / s1 + 1e-12, r2 / s2 + 1e-12
        best: tuple[_Bucket, float, float, float] | None = None
        best_score = -1.0
        for entry in live:
            d0, d1, d2 = entry[0].demand
            if d0 > r0 or d1 > r1 or d2 > r2:
                continue
            score = entry[1] * n0 + entry[2] * n1 + entry[3] * n2
            if score > best_score:
                best, best_score = entry, score
        if best is None:
            return
        bucket = best[0]
        shape = bucket.pick(state, host, min_tier)
        if shape is None:  # every item of this size is barred here (group, level, tier)
            live.remove(best)
            continue
        state.assign(shape.ids.pop(), host, shape.demand, shape.group)
        bucket.count -= 1
        if not bucket.count:
            live.remove(best)
        yield shape


def _empty_hosts(items: Sequence[Item], order: Sequence[HostBin], state: PackState) -> None:
    """Try to switch newly opened hosts off again by moving their items elsewhere."""
    by_id = {item.item_id: item for item in items}
    on_host: dict[int, list[Item]] = {}
    for item_id, host_id in sorted(state.assignments.items()):
        on_host.setdefault(host_id, []).append(by_id[item_id])
    candidates = [h for h in order if not h.powered_on and h.host_id in on_host]
    # Least loaded first: fewest normalised resources in use.
    candidates.sort(
        key=lambda h: (
            sum((h.free[d] - state.residual[h.host_id][d]) / max(h.free[d], 1) for d in range(3)),
            h.host_id,
        )
    )
    for host in candidates[: max(8, len(candidates) // 10)]:
        moving = sorted(on_host.get(host.host_id, ()), key=lambda i: (-sum(i.demand), i.item_id))
        if not moving:
            continue
        targets = [
            h
            for h in order
            if h.zone is host.zone and h.host_id != host.host_id and state.load[h.host_id]
        ]
        for item in moving:
            state.unassign(item.item_id, item.demand, item.anti_affinity_group)
        moved: list[tuple[Item, HostBin]] = []
        for item in moving:
            target = _best_fit(state, item, targets)
            if target is None:
                break
            state.assign(item.item_id, target, item.demand, item.anti_affinity_group)
            moved.append((item, target))
        if len(moved) == len(moving):
            on_host.pop(host.host_id)
            for item, target in moved:
                on_host.setdefault(target.host_id, []).append(item)
            continue
        for item, _ in moved:
            state.unassign(item.item_id, item.demand, item.anti_affinity_group)
        for item in moving:
            state.assign(item.item_id, host, item.demand, item.anti_affinity_group)


def _best_fit(state: PackState, item: Item, targets: Sequence[HostBin]) -> HostBin | None:
    """The host where the item leaves the least room (normalised), among those that fit."""
    best: HostBin | None = None
    best_left = float("inf")
    for host in targets:
        if host.max_mlps_level < item.mlps_level:
            continue
        if not state.fits(host, item.demand, item.anti_affinity_group):
            continue
        room = state.residual[host.host_id]
        left = sum((room[d] - item.demand[d]) / max(host.free[d], 1) for d in range(3))
        if left < best_left:
            best, best_left = host, left
    return best

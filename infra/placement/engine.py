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
from collections.abc import Sequence
from dataclasses import dataclass, field

from infra.inventory.enums import NetworkZone
from infra.placement.improve import empty_hosts
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


@dataclass(eq=False)
class _Shape:
    """Items of one zone that are interchangeable: same size, MLPS level and group."""

    demand: Demand
    level: int
    group: str | None
    tier: int  # the lowest host MLPS level in the zone that may carry this shape
    ids: list[int] = field(default_factory=list)  # waiting, highest id first (pop the lowest)


@dataclass(eq=False)
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
    empty_hosts(items, order, state)
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
    # The last clean fill per (host size, tier, phase): identical hosts that follow one
    # another usually receive the same sizes, and replaying is much cheaper than scoring.
    patterns: dict[tuple[tuple[tuple[int, int, int], int], int], list[_Bucket] | None] = {}
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
        key = (host.free, need)
        for phase, min_tier in enumerate((need, 0)):
            placed: list[tuple[_Bucket, _Shape]] = []
            pattern = patterns.get((key, phase))
            if pattern is not None and all(
                bucket.count >= times for bucket, times in Counter(pattern).items()
            ):
                clean = _replay(state, host, pattern, min_tier, placed)
                if not clean:  # carry on from where the replay stopped
                    _fill(state, host, buckets, min_tier, placed)
            else:
                clean = _fill(state, host, buckets, min_tier, placed)
            patterns[(key, phase)] = [bucket for bucket, _ in placed] if clean else None
            for _, shape in placed:
                if shape.tier in waiting:
                    waiting[shape.tier] -= 1
                    if not waiting[shape.tier]:
                        del waiting[shape.tier]


def _replay(
    state: PackState,
    host: HostBin,
    pattern: Sequence[_Bucket],
    min_tier: int,
    placed: list[tuple[_Bucket, _Shape]],
) -> bool:
    """Fill ``host`` with the sizes the previous identical host received, in the same order.

    When the previous fill was never barred (no size refused for group, level or tier) and
    every size is still there (the caller checks), the greedy fill would choose exactly this
    sequence again: the candidates now are a subset of those it chose from then, each choice
    among them was the best, and nothing fitted at the end.  So the replay is the fill, only
    cheaper.
    False (with what was placed so far) as soon as that no longer holds.
    """
    for bucket in pattern:
        shape = bucket.pick(state, host, min_tier)
        if shape is None:
            return False
        state.assign(shape.ids.pop(), host, shape.demand, shape.group)
        bucket.count -= 1
        placed.append((bucket, shape))
    return True


def _fill(
    state: PackState,
    host: HostBin,
    buckets: Sequence[_Bucket],
    min_tier: int,
    placed: list[tuple[_Bucket, _Shape]],
) -> bool:
    """Add the best-aligned fitting item to ``host`` until nothing more fits, recording each
    in ``placed``; True when no size was barred on the way (the fill may be replayed).

    The score is the cosine between the item's demand and the host's room (both normalised
    by the host's size) times ``|demand| ** SIZE_BIAS``: alignment first, with a gentle pull
    towards larger items.  Pure dot product (bias 1) packs big items first like FFD and
    leaves the small CPU-heavy flavours stranded at the end; pure cosine (bias 0) dithers.
    The room's norm is the same for every candidate, so it drops out.
    """
    room = state.residual[host.host_id]
    r0, r1, r2 = room
    s0, s1, s2 = (max(v, 1) for v in host.free)
    Entry = tuple[_Bucket, int, int, int, float, float, float]
    live: list[Entry] = []
    for bucket in buckets:
        d0, d1, d2 = bucket.demand
        if not bucket.count or d0 > r0 or d1 > r1 or d2 > r2:
            continue
        a0, a1, a2 = d0 / s0, d1 / s1, d2 / s2
        norm = math.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
        # An item that takes no room at all is always the best choice.
        factor = norm ** (SIZE_BIAS - 1) if norm else math.inf
        if not norm:
            a0 = a1 = a2 = 1.0
        live.append((bucket, d0, d1, d2, a0 * factor, a1 * factor, a2 * factor))
    clean = True
    while live:
        r0, r1, r2 = room
        n0, n1, n2 = r0 / s0 + 1e-12, r1 / s1 + 1e-12, r2 / s2 + 1e-12
        best: Entry | None = None
        best_score = -1.0
        still: list[Entry] = []  # room only shrinks: what does not fit now never will here
        for entry in live:
            if entry[1] > r0 or entry[2] > r1 or entry[3] > r2:
                continue
            still.append(entry)
            score = entry[4] * n0 + entry[5] * n1 + entry[6] * n2
            if score > best_score:
                best, best_score = entry, score
        live = still
        if best is None:
            return clean
        bucket = best[0]
        shape = bucket.pick(state, host, min_tier)
        if shape is None:  # every item of this size is barred here (group, level, tier)
            live.remove(best)
            clean = False
            continue
        state.assign(shape.ids.pop(), host, shape.demand, shape.group)
        bucket.count -= 1
        placed.append((bucket, shape))
        if not bucket.count:
            live.remove(best)
    return clean

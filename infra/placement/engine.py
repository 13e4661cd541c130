"""The placement engine: host-at-a-time best alignment, a search to finish each host, and a
pass that switches hosts off again.

Per zone, items are grouped by size (a bucket) and, within a size, by MLPS level and
anti-affinity group (a shape), so each step weighs a few dozen sizes rather than every item.

1. **Open** the next host: running hosts first, then the least privileged host that may carry
   the most demanding MLPS level still waiting (so level-4 hosts are kept for level-4 work),
   the roomiest, the most frugal.  Switching an off host on must fit its rack's power.
2. **Fill** it, one item at a time, with the fitting size best aligned with the host's room
   (cosine, each dimension normalised by the host's size, times a gentle size preference):
   CPU-heavy and memory-heavy flavours end up side by side, which is where
   first-fit-decreasing strands capacity.  Items that need this host's MLPS level go first.
3. **Complete** (``complete.py``): take the last few items back and search for the set of
   waiting items that uses the room best.
4. **Replay**: the next identical host gets the same sizes while they last, without scoring.
5. **Empty** (``improve.py``): move every item of the least-loaded newly opened hosts onto
   running hosts (best fit); a host emptied is switched off again.

When capacity is short and items are left over, the baseline is run too and its placement
taken if it places more: the engine never places fewer items than first-fit-decreasing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from infra.placement.complete import complete
from infra.placement.ffd import first_fit_decreasing
from infra.placement.improve import empty_hosts
from infra.placement.problem import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
    validate,
)
from infra.placement.reasons import conclude, host_order, shared_zones
from infra.placement.shapes import Bucket, Placed, buckets_of
from infra.placement.state import PackState

SIZE_BIAS = 0.25


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
    for zone, zone_hosts in shared_zones(order).items():
        _pack_zone([i for i in items if i.zone is zone], zone_hosts, state)
    empty_hosts(items, order, state)
    unplaced = conclude(items, hosts, state, headroom, order)
    result = Placement(assignments=dict(state.assignments), unplaced=unplaced)
    if unplaced:
        # Capacity is short: never place fewer items than the baseline would.
        baseline = first_fit_decreasing(items, hosts, racks, anti_affinity=anti_affinity)
        if len(baseline.unplaced) < len(unplaced):
            return baseline
    return result


def _pack_zone(items: Sequence[Item], hosts: Sequence[HostBin], state: PackState) -> None:
    buckets = buckets_of(items, hosts)
    waiting = Counter(s.tier for b in buckets for s in b.shapes for _ in s.ids)
    lowest = min(waiting, default=0)  # items of the lowest tier may go to any host
    closed: set[int] = set()
    cursor: dict[int, int] = {}  # per MLPS tier: hosts before this index cannot serve it
    # The last clean fill per (host size, tier): identical hosts that follow one another
    # usually receive the same sizes, and replaying is much cheaper than scoring.
    patterns: dict[tuple[tuple[int, int, int], int], list[Bucket] | None] = {}
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
        placed: list[Placed] = []
        pattern = patterns.get(key)
        if pattern is not None and all(
            bucket.count >= times for bucket, times in Counter(pattern).items()
        ):
            clean = _replay(state, host, pattern, placed)
            if not clean:  # carry on from where the replay stopped
                _fill(state, host, buckets, need, placed)
                _fill(state, host, buckets, 0, placed)
        else:
            clean = _fill(state, host, buckets, need, placed)
            if need != lowest:  # then the lower tiers, if room is left
                clean = _fill(state, host, buckets, 0, placed) and clean
            elif clean:
                complete(state, host, buckets, placed)
                _fill(state, host, buckets, 0, placed)
        patterns[key] = [bucket for bucket, _, _ in placed] if clean else None
        for _, shape, _ in placed:
            if shape.tier in waiting:
                waiting[shape.tier] -= 1
                if not waiting[shape.tier]:
                    del waiting[shape.tier]


def _replay(
    state: PackState, host: HostBin, pattern: Sequence[Bucket], placed: list[Placed]
) -> bool:
    """Give ``host`` the sizes the previous identical host received, in the same order.

    The previous fill was never barred (no size refused for group, level or tier) and every
    size is still waiting (the caller checks), so it fits again and wastes no more than it
    did.  Before the completion search this was exactly what the greedy fill would choose
    (its candidates are a subset of those it chose from then); with the search it is a
    good fill reused, which is what makes 100,000 items cheap.  False (with what was placed
    so far) as soon as a size is barred here.
    """
    for bucket in pattern:
        shape = bucket.pick(state, host, 0)
        if shape is None:
            return False
        item_id = shape.ids.pop()
        state.assign(item_id, host, shape.demand, shape.group)
        bucket.count -= 1
        placed.append((bucket, shape, item_id))
    return True


def _fill(
    state: PackState,
    host: HostBin,
    buckets: Sequence[Bucket],
    min_tier: int,
    placed: list[Placed],
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
    Entry = tuple[Bucket, int, int, int, float, float, float]
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
        # Room only shrinks: a size that does not fit now never will on this host.
        live = [e for e in live if e[1] <= r0 and e[2] <= r1 and e[3] <= r2]
        for entry in live:
            score = entry[4] * n0 + entry[5] * n1 + entry[6] * n2
            if score > best_score:
                best, best_score = entry, score
        if best is None:
            return clean
        bucket = best[0]
        shape = bucket.pick(state, host, min_tier)
        if shape is None:  # every item of this size is barred here (group, level, tier)
            live.remove(best)
            clean = False
            continue
        item_id = shape.ids.pop()
        state.assign(item_id, host, shape.demand, shape.group)
        bucket.count -= 1
        placed.append((bucket, shape, item_id))
        if not bucket.count:
            live.remove(best)
    return clean

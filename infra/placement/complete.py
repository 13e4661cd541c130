"""Finish a host's fill by search: take back its last few items and look for the set of
waiting items that uses the room better.

The greedy fill decides one item at a time and its last choices often strand a few vCPU or
GiB that no remaining size matches.  Here a bounded depth-first search over the waiting
sizes (largest first, each up to the number this host may take) maximises the host's used
share, summed over the dimensions, each normalised by the host's size.  The original items
stay unless the search finds strictly better.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.placement.problem import HostBin
from infra.placement.shapes import Bucket, Placed
from infra.placement.state import PackState

TAKE_BACK = 4  # items taken back off the end of a fill
NODE_LIMIT = 30  # search nodes per host

Candidate = tuple[Bucket, int, int, int, float, int]  # size, its demand, worth, how many


def complete(
    state: PackState, host: HostBin, buckets: Sequence[Bucket], placed: list[Placed]
) -> None:
    """Replace the last items of ``placed`` on ``host`` by a better-fitting set, if any."""
    if not placed:
        return
    back = placed[-TAKE_BACK:]
    del placed[-TAKE_BACK:]
    for bucket, shape, item_id in reversed(back):
        state.unassign(item_id, shape.demand, shape.group)
        bucket.give_back(shape, item_id)
    s0, s1, s2 = (max(v, 1) for v in host.free)
    r0, r1, r2 = state.residual[host.host_id]
    candidates: list[Candidate] = []
    for bucket in buckets:
        d0, d1, d2 = bucket.demand
        if bucket.count and d0 <= r0 and d1 <= r1 and d2 <= r2:
            # The search never needs more of a size than fit in the room.
            fit = min((r // d for r, d in ((r0, d0), (r1, d1), (r2, d2)) if d), default=0)
            avail = bucket.available(state, host, fit or bucket.count)
            if avail:
                candidates.append((bucket, d0, d1, d2, d0 / s0 + d1 / s1 + d2 / s2, avail))
    baseline = sum(s.demand[0] / s0 + s.demand[1] / s1 + s.demand[2] / s2 for _, s, _ in back)
    best = _search(candidates, r0, r1, r2, r0 / s0 + r1 / s1 + r2 / s2, baseline)
    if best is None:  # nothing better: put the same items back
        for bucket, shape, item_id in back:
            shape.ids.remove(item_id)
            state.assign(item_id, host, shape.demand, shape.group)
            bucket.count -= 1
            placed.append((bucket, shape, item_id))
        return
    for bucket in best:
        picked = bucket.pick(state, host, 0)
        if picked is None or not state.fits(host, picked.demand, picked.group):
            continue  # two sizes of one anti-affinity group: the caller tops the host up
        item_id = picked.ids.pop()
        state.assign(item_id, host, picked.demand, picked.group)
        bucket.count -= 1
        placed.append((bucket, picked, item_id))


def _search(
    candidates: list[Candidate], r0: int, r1: int, r2: int, ceiling: float, baseline: float
) -> list[Bucket] | None:
    """The multiset of sizes that uses the most of the room ``(r0, r1, r2)`` (worth at most
    ``ceiling``), if better than ``baseline``."""
    best_value = baseline + 1e-9
    best: list[Bucket] | None = None
    chosen: list[Bucket] = []
    nodes = 0

    def dfs(options: list[Candidate], r0: int, r1: int, r2: int, value: float) -> None:
        nonlocal best_value, best, nodes
        nodes += 1
        if value > best_value:
            best_value, best = value, list(chosen)
        for index, (bucket, d0, d1, d2, worth, avail) in enumerate(options):
            if nodes >= NODE_LIMIT or best_value >= ceiling:  # out of budget, or room all used
                return
            left0, left1, left2 = r0 - d0, r1 - d1, r2 - d2
            # Sizes from this one on (the order avoids visiting one multiset twice), that
            # still fit once this item is in, and of which the host may take another.
            rest = [
                option if option[0] is not bucket else (*option[:5], avail - 1)
                for option in options[index:]
                if option[1] <= left0
                and option[2] <= left1
                and option[3] <= left2
                and (option[0] is not bucket or avail > 1)
            ]
            chosen.append(bucket)
            dfs(rest, left0, left1, left2, value + worth)
            chosen.pop()

    dfs(candidates, r0, r1, r2, 0.0)
    return best

"""A lower bound on the hosts any placement needs, to measure packers against."""

from __future__ import annotations

from collections.abc import Sequence

from infra.inventory.enums import NetworkZone
from infra.placement.problem import HostBin, Item


def lower_bound_hosts(items: Sequence[Item], hosts: Sequence[HostBin]) -> int:
    """Per zone and dimension, the fewest hosts whose room (largest first) covers the summed
    demand; the maximum over dimensions, summed over zones.

    With identical hosts this is max over dimensions of ⌈Σ demand ÷ capacity⌉.  Demand no
    host set can cover counts every host in the zone.
    """
    total = 0
    for zone in sorted({i.zone for i in items if i.zone is not NetworkZone.INTRANET}):
        mine = [i for i in items if i.zone is zone]
        rooms = [h.free for h in hosts if h.zone is zone]
        need = 0
        for d in range(3):
            demand = sum(i.demand[d] for i in mine)
            count = 0
            for room in sorted((r[d] for r in rooms), reverse=True):
                if demand <= 0:
                    break
                demand -= room
                count += 1
            need = max(need, count)
        total += need
    return total

"""Items of one zone grouped for packing: by size (a bucket), then by what else makes them
differ (MLPS level and anti-affinity group: a shape)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from infra.placement.problem import HostBin, Item
from infra.placement.state import Demand, PackState


@dataclass(eq=False)
class Shape:
    """Items of one zone that are interchangeable: same size, MLPS level and group."""

    demand: Demand
    level: int
    group: str | None
    tier: int  # the lowest host MLPS level in the zone that may carry this shape
    ids: list[int] = field(default_factory=list)  # waiting, highest id first (pop the lowest)


COMPACT_AFTER = 16  # used-up shapes a pick walks past before the bucket drops them


@dataclass(eq=False)
class Bucket:
    """The shapes of one size; scoring looks at sizes, the pick inside takes the most
    constrained shape the host admits (highest MLPS tier and level, grouped before free)."""

    demand: Demand
    shapes: list[Shape]
    count: int
    # No shape belongs to an anti-affinity group, and the highest MLPS level among them:
    # then a host that may carry that level may take all ``count`` (the common case).
    plain: bool = False
    top_level: int = 0

    def __post_init__(self) -> None:
        self.plain = all(shape.group is None for shape in self.shapes)
        self.top_level = max((shape.level for shape in self.shapes), default=0)

    def available(self, state: PackState, host: HostBin, enough: int) -> int:
        """How many items of this size the host may take, counting up to ``enough``: every
        waiting item of a level it may carry, one per anti-affinity group not on it (or its
        rack) yet."""
        if self.plain and self.top_level <= host.max_mlps_level:
            return min(self.count, enough)
        where = state.where(host)
        count = 0
        for shape in self.shapes:
            if not shape.ids or shape.level > host.max_mlps_level:
                continue
            if shape.group is None:
                count += len(shape.ids)
            elif (shape.group, where) not in state.taken:
                count += 1
            if count >= enough:
                return enough
        return count

    def pick(self, state: PackState, host: HostBin, min_tier: int) -> Shape | None:
        """The most constrained shape of this size the host admits, or None."""
        where = state.where(host)
        empty = 0
        for shape in self.shapes:
            if not shape.ids:
                empty += 1
            elif (
                shape.level <= host.max_mlps_level
                and shape.tier >= min_tier
                and (shape.group is None or (shape.group, where) not in state.taken)
            ):
                if empty > COMPACT_AFTER:  # many groups used up: stop walking past them
                    self.shapes = [s for s in self.shapes if s.ids]
                return shape
        return None

    def give_back(self, shape: Shape, item_id: int) -> None:
        """Return an item taken off a host (its id was the lowest left, so it goes last)."""
        shape.ids.append(item_id)
        self.count += 1
        if len(shape.ids) == 1 and shape not in self.shapes:  # dropped while it was empty
            bisect.insort(self.shapes, shape, key=shape_order)


def shape_order(shape: Shape) -> tuple[int, int, bool, str]:
    """Most constrained first: highest MLPS tier and level, grouped before free."""
    return (-shape.tier, -shape.level, shape.group is None, shape.group or "")


Placed = tuple[Bucket, Shape, int]  # which size, which shape, which item went on a host


def buckets_of(items: Sequence[Item], hosts: Sequence[HostBin]) -> list[Bucket]:
    """Group a zone's items by size, and within a size by MLPS level and group; largest
    sizes first (the order breaks ties between equal scores)."""
    levels = sorted({h.max_mlps_level for h in hosts})
    shapes: dict[tuple[Demand, int, str | None], Shape] = {}
    for item in sorted(items, key=lambda i: -i.item_id):
        key = (item.demand, item.mlps_level, item.anti_affinity_group)
        if key not in shapes:
            tier = next((lv for lv in levels if lv >= item.mlps_level), 0)
            shapes[key] = Shape(item.demand, item.mlps_level, item.anti_affinity_group, tier)
        shapes[key].ids.append(item.item_id)
    by_size: dict[Demand, list[Shape]] = {}
    for shape in shapes.values():
        if shape.tier:  # shapes no host in the zone may carry are left to the reasons
            by_size.setdefault(shape.demand, []).append(shape)
    top = [max(max((h.free[d] for h in hosts), default=1), 1) for d in range(3)]
    return [
        Bucket(
            demand,
            sorted(group, key=shape_order),
            sum(len(s.ids) for s in group),
        )
        for demand, group in sorted(
            by_size.items(), key=lambda kv: (-sum(kv[0][d] / top[d] for d in range(3)), kv[0])
        )
    ]

"""Capacity roll-ups as pure functions over plain data (no session, no I/O).

The database layer turns rows into these small records; placement (flow 1) and the capacity
pages read the results.  Allocations are passed in, so the same maths serves "now" and
"what if".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from infra.inventory.enums import NetworkZone

RESOURCES = ("vcpu", "memory_gib", "storage_gib")


@dataclass(frozen=True)
class Slot:
    """Something mounted in a rack: which U it starts at, how tall, how much power it draws."""

    name: str
    u_position: int
    u_height: int
    power_draw_w: int


@dataclass(frozen=True)
class RackUsage:
    height_u: int
    u_used: int
    power_budget_kw: Decimal
    power_drawn_kw: Decimal

    @property
    def u_free(self) -> int:
        return self.height_u - self.u_used

    @property
    def power_headroom_kw(self) -> Decimal:
        return self.power_budget_kw - self.power_drawn_kw

    @property
    def over_power_budget(self) -> bool:
        return self.power_drawn_kw > self.power_budget_kw

    @property
    def over_space(self) -> bool:
        return self.u_used > self.height_u

    @property
    def power_percent(self) -> Decimal:
        if not self.power_budget_kw:
            return Decimal(0)
        return (self.power_drawn_kw * 100 / self.power_budget_kw).quantize(Decimal("0.1"))


def rack_usage(height_u: int, power_budget_kw: Decimal, slots: Iterable[Slot]) -> RackUsage:
    items = list(slots)
    drawn = (Decimal(sum(s.power_draw_w for s in items)) / 1000).quantize(Decimal("0.001"))
    return RackUsage(height_u, sum(s.u_height for s in items), power_budget_kw, drawn)


def occupied_units(slot: Slot) -> range:
    return range(slot.u_position, slot.u_position + slot.u_height)


def slot_collisions(height_u: int, slots: Iterable[Slot], new: Slot) -> list[str]:
    """Why ``new`` cannot go where it asks: off the rack, or onto units already taken."""
    problems = []
    if new.u_position < 1 or new.u_position + new.u_height - 1 > height_u:
        problems.append(
            f"U{new.u_position}–U{new.u_position + new.u_height - 1} lies outside the rack's "
            f"U1–U{height_u}"
        )
    wanted = set(occupied_units(new))
    for slot in slots:
        clash = wanted.intersection(occupied_units(slot))
        if clash and slot.name != new.name:
            problems.append(f"U{min(clash)} is taken by {slot.name}")
    return problems


@dataclass(frozen=True)
class HostSize:
    vcpu: int
    memory_gib: int
    storage_gib: int

    def scaled(self, keep: Decimal) -> HostSize:
        """What remains allocatable after holding back ``1 - keep`` (rounded down)."""
        return HostSize(
            int(self.vcpu * keep), int(self.memory_gib * keep), int(self.storage_gib * keep)
        )


def allocatable(size: HostSize, reserve: Decimal) -> HostSize:
    """A host's capacity after the platform's reserve (hypervisor, failover headroom)."""
    if not Decimal(0) <= reserve < Decimal(1):
        raise ValueError("reserve must be a fraction in [0, 1)")
    return size.scaled(Decimal(1) - reserve)


@dataclass
class PoolCapacity:
    """Totals for one provider in one zone, per resource class."""

    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCES, 0))
    allocatable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCES, 0))
    allocated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCES, 0))
    hosts: int = 0

    def free(self, resource: str) -> int:
        return self.allocatable[resource] - self.allocated[resource]


@dataclass(frozen=True)
class PoolHost:
    host_id: int
    provider: str
    zone: NetworkZone
    size: HostSize


def pool_capacity(
    hosts: Iterable[PoolHost],
    *,
    reserve: Decimal,
    allocated: Mapping[int, HostSize] | None = None,
) -> dict[tuple[str, NetworkZone], PoolCapacity]:
    """Roll hosts up by (provider, zone): total, allocatable after reserve, and allocated."""
    allocated = allocated or {}
    pools: dict[tuple[str, NetworkZone], PoolCapacity] = defaultdict(PoolCapacity)
    for host in hosts:
        pool = pools[(host.provider, host.zone)]
        usable = allocatable(host.size, reserve)
        used = allocated.get(host.host_id, HostSize(0, 0, 0))
        for resource in RESOURCES:
            pool.total[resource] += getattr(host.size, resource)
            pool.allocatable[resource] += getattr(usable, resource)
            pool.allocated[resource] += getattr(used, resource)
        pool.hosts += 1
    return dict(pools)

"""The placement problem as plain data: hosts with room left, racks with power left, items.

Everything here is frozen and free of sessions; the database layer builds these records and
persists the :class:`Placement` that comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal

from infra.errors import FieldProblem, InvalidInput
from infra.inventory.enums import MLPS_LEVELS, NetworkZone
from infra.labels import N_, labelled

if TYPE_CHECKING:
    from infra.placement.unplaced import UnplacedReason

AntiAffinityScope = Literal["host", "rack"]


class Dimension(StrEnum):
    """The three sizes an item asks for and a host offers, in this order."""

    VCPU = "vcpu"
    MEMORY = "memory_gib"
    STORAGE = "storage_gib"


# Each label reads after a number ("64 vCPU", "128 GiB memory"); the English text uses it as is.
DIMENSION_LABELS: Final[dict[Dimension, str]] = labelled(
    {
        Dimension.VCPU: N_("vCPU"),
        Dimension.MEMORY: N_("GiB memory"),
        Dimension.STORAGE: N_("GiB storage"),
    }
)
DIMENSIONS: Final = tuple(Dimension)


@dataclass(frozen=True)
class HostBin:
    """One host's room left for new work (after the reserve and existing allocations)."""

    host_id: int
    rack_id: int
    zone: NetworkZone
    max_mlps_level: int
    vcpu: int
    memory_gib: int
    storage_gib: int
    power_draw_w: int
    powered_on: bool

    @property
    def free(self) -> tuple[int, int, int]:
        return (self.vcpu, self.memory_gib, self.storage_gib)


@dataclass(frozen=True)
class RackPower:
    """How many watts a rack may still draw: its budget minus what it draws now."""

    rack_id: int
    headroom_w: int


@dataclass(frozen=True)
class Item:
    """One thing to place: a VM-sized request item."""

    item_id: int
    vcpu: int
    memory_gib: int
    storage_gib: int
    zone: NetworkZone
    mlps_level: int
    anti_affinity_group: str | None = None

    @property
    def demand(self) -> tuple[int, int, int]:
        return (self.vcpu, self.memory_gib, self.storage_gib)


@dataclass(frozen=True)
class Placement:
    """Where each item goes, and for each item that goes nowhere the constraint that binds
    (``str(reason)`` is its English sentence)."""

    assignments: Mapping[int, int]  # item_id -> host_id
    unplaced: Mapping[int, UnplacedReason]  # item_id -> reason

    def hosts_used(self) -> int:
        """How many distinct hosts receive at least one item."""
        return len(set(self.assignments.values()))


def describe(demand: Sequence[int]) -> str:
    """``8 vCPU / 32 GiB memory / 100 GiB storage``."""
    return " / ".join(f"{v} {DIMENSION_LABELS[d]}" for d, v in zip(DIMENSIONS, demand, strict=True))


def _duplicates(values: Iterable[int]) -> list[int]:
    seen: set[int] = set()
    dup: set[int] = set()
    for value in values:
        (dup if value in seen else seen).add(value)
    return sorted(dup)


def validate(
    items: Sequence[Item], hosts: Sequence[HostBin], racks: Sequence[RackPower]
) -> dict[int, int]:
    """Refuse malformed input (duplicate ids, negative sizes, unknown racks); rack headrooms."""
    problems: list[FieldProblem] = []
    for field_name, ids in (
        ("items", [i.item_id for i in items]),
        ("hosts", [h.host_id for h in hosts]),
        ("racks", [r.rack_id for r in racks]),
    ):
        if dup := _duplicates(ids):
            problems.append(FieldProblem(field_name, f"duplicate ids {dup}"))
    for item in items:
        if min(item.demand) < 0:
            problems.append(FieldProblem(f"items[{item.item_id}]", "negative size"))
        if item.mlps_level not in MLPS_LEVELS:
            problems.append(
                FieldProblem(f"items[{item.item_id}].mlps_level", "must be between 1 and 4")
            )
    headroom = {r.rack_id: r.headroom_w for r in racks}
    for host in hosts:
        if host.max_mlps_level not in MLPS_LEVELS:
            problems.append(
                FieldProblem(f"hosts[{host.host_id}].max_mlps_level", "must be between 1 and 4")
            )
        if min(host.free) < 0 or host.power_draw_w < 0:
            problems.append(FieldProblem(f"hosts[{host.host_id}]", "negative size or draw"))
        if host.rack_id not in headroom:
            problems.append(
                FieldProblem(f"hosts[{host.host_id}].rack_id", f"rack {host.rack_id} not given")
            )
    if problems:
        raise InvalidInput(*problems)
    return headroom

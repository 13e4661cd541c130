"""A placement as a plan people read: per host what lands there and what room is left, hosts
switched on, watts added per rack, and why the rest went nowhere (``govcloud place
--dry-run`` prints ``plan_lines``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra.inventory.enums import NetworkZone
from infra.placement.problem import HostBin, Item, Placement, describe
from infra.placement.unplaced import UnplacedReason


@dataclass(frozen=True)
class HostPlan:
    """One host receiving items: which, how much they take, and the room left after."""

    host_id: int
    rack_id: int
    zone: NetworkZone
    switched_on: bool  # off before, on after
    item_ids: tuple[int, ...]
    used: tuple[int, int, int]
    left: tuple[int, int, int]


@dataclass(frozen=True)
class PlanSummary:
    hosts: tuple[HostPlan, ...]  # in host id order
    added_power_w: Mapping[int, int]  # rack id -> watts the switched-on hosts add
    unplaced: Mapping[int, UnplacedReason]

    @property
    def switched_on(self) -> int:
        return sum(plan.switched_on for plan in self.hosts)


def summarize(items: Sequence[Item], hosts: Sequence[HostBin], placement: Placement) -> PlanSummary:
    """Roll a placement up per host and rack (items and hosts unknown to it are ignored)."""
    by_item = {item.item_id: item for item in items}
    by_host = {host.host_id: host for host in hosts}
    landing: dict[int, list[int]] = {}
    for item_id, host_id in sorted(placement.assignments.items()):
        if item_id in by_item and host_id in by_host:
            landing.setdefault(host_id, []).append(item_id)
    plans = []
    power: dict[int, int] = {}
    for host_id in sorted(landing):
        host = by_host[host_id]
        ids = tuple(landing[host_id])
        used = tuple(sum(by_item[i].demand[d] for i in ids) for d in range(3))
        left = tuple(host.free[d] - used[d] for d in range(3))
        if not host.powered_on:
            power[host.rack_id] = power.get(host.rack_id, 0) + host.power_draw_w
        plans.append(
            HostPlan(
                host_id,
                host.rack_id,
                host.zone,
                not host.powered_on,
                ids,
                (used[0], used[1], used[2]),
                (left[0], left[1], left[2]),
            )
        )
    return PlanSummary(tuple(plans), dict(sorted(power.items())), dict(placement.unplaced))


def plan_lines(summary: PlanSummary) -> list[str]:
    """The plan as plain lines, one per host, rack and unplaced item."""
    lines = [
        f"{len(summary.hosts)} hosts receive work, {summary.switched_on} of them switched on; "
        f"{len(summary.unplaced)} items unplaced"
    ]
    for plan in summary.hosts:
        state = "switch on" if plan.switched_on else "running"
        items = ", ".join(str(i) for i in plan.item_ids)
        lines.append(
            f"host {plan.host_id} (rack {plan.rack_id}, {plan.zone.value}, {state}): "
            f"items {items}; takes {describe(plan.used)}, leaves {describe(plan.left)}"
        )
    for rack_id, watts in summary.added_power_w.items():
        lines.append(f"rack {rack_id}: +{watts} W")
    for item_id, reason in sorted(summary.unplaced.items()):
        lines.append(f"item {item_id} unplaced: {reason}")
    return lines

"""Mutable bookkeeping shared by the packers: room left per host, power left per rack,
anti-affinity groups taken, and the assignments made so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infra.placement.problem import AntiAffinityScope, HostBin

Demand = tuple[int, int, int]


class PackState:
    """What is left after the assignments made so far; every change goes through ``assign``."""

    def __init__(
        self, hosts: Sequence[HostBin], headroom: Mapping[int, int], scope: AntiAffinityScope
    ) -> None:
        self.hosts = {host.host_id: host for host in hosts}
        self.residual: dict[int, list[int]] = {host.host_id: list(host.free) for host in hosts}
        self.rack_left: dict[int, int] = dict(headroom)
        self.load: dict[int, int] = {host.host_id: 0 for host in hosts}  # items per host
        self.taken: set[tuple[str, int]] = set()
        self.assignments: dict[int, int] = {}
        self.scope = scope

    def where(self, host: HostBin) -> int:
        """The anti-affinity domain a host belongs to (itself, or its rack)."""
        return host.host_id if self.scope == "host" else host.rack_id

    def running(self, host: HostBin) -> bool:
        """Whether the host draws power already (it was on, or it has received work)."""
        return host.powered_on or self.load[host.host_id] > 0

    def power_ok(self, host: HostBin) -> bool:
        """Whether the host may receive work without breaking its rack's budget."""
        return self.running(host) or self.rack_left[host.rack_id] >= host.power_draw_w

    def fits(self, host: HostBin, demand: Demand, group: str | None) -> bool:
        """Room, anti-affinity and power all allow one more item of this shape on ``host``."""
        room = self.residual[host.host_id]
        if demand[0] > room[0] or demand[1] > room[1] or demand[2] > room[2]:
            return False
        if group is not None and (group, self.where(host)) in self.taken:
            return False
        return self.power_ok(host)

    def assign(self, item_id: int, host: HostBin, demand: Demand, group: str | None) -> None:
        """Put one item on a host (switching it on if needed); the caller has checked ``fits``."""
        if not self.running(host):
            self.rack_left[host.rack_id] -= host.power_draw_w
        room = self.residual[host.host_id]
        room[0] -= demand[0]
        room[1] -= demand[1]
        room[2] -= demand[2]
        self.load[host.host_id] += 1
        if group is not None:
            self.taken.add((group, self.where(host)))
        self.assignments[item_id] = host.host_id

    def unassign(self, item_id: int, demand: Demand, group: str | None) -> HostBin:
        """Take an item back off its host (switching the host off if it was off before)."""
        host = self.hosts[self.assignments.pop(item_id)]
        room = self.residual[host.host_id]
        room[0] += demand[0]
        room[1] += demand[1]
        room[2] += demand[2]
        self.load[host.host_id] -= 1
        if group is not None:
            self.taken.discard((group, self.where(host)))
        if not self.running(host):
            self.rack_left[host.rack_id] += host.power_draw_w
        return host

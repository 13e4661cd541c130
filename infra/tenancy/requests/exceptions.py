"""Errors of the request flow, carrying the facts the department needs to act on them."""

from __future__ import annotations

from dataclasses import dataclass

from infra.errors import Conflict
from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import ResourceClass


@dataclass(frozen=True)
class Shortfall:
    department: str
    resource: ResourceClass
    zone: NetworkZone
    limit: int
    in_use: int
    reserved: int
    requested: int

    @property
    def over_by(self) -> int:
        return self.in_use + self.reserved + self.requested - self.limit

    def describe(self) -> str:
        return (
            f"department {self.department} may hold {self.limit} {self.resource.value} in zone "
            f"{self.zone.value}: {self.in_use} in use, {self.reserved} reserved, "
            f"{self.requested} requested ({self.over_by} over the limit)"
        )


class QuotaExceeded(Conflict):
    """The request would take a department past one or more of its quotas."""

    code = "quota_exceeded"

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        self.shortfalls = shortfalls
        super().__init__("items", "quota exceeded: " + "; ".join(s.describe() for s in shortfalls))

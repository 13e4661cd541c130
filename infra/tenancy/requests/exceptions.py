"""Errors of the request flow, carrying the facts the department needs to act on them."""

from __future__ import annotations

from dataclasses import dataclass

from infra.errors import Conflict, FieldProblem, says
from infra.inventory.enums import NetworkZone
from infra.labels import N_
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

    def params(self) -> dict[str, object]:
        return {
            "department": self.department,
            "resource": self.resource,
            "zone": self.zone,
            "limit": self.limit,
            "in_use": self.in_use,
            "reserved": self.reserved,
            "requested": self.requested,
            "over_by": self.over_by,
        }


# errors2: refusals of the request forms (approval, rejection, renewal, release, change).
NO_SHARED_HOSTS = says("no_shared_hosts", N_("Zone %(zone)s has no shared-cloud hosts in service."))
MLPS_ABOVE_CEILING = says(
    "mlps_above_ceiling",
    N_("No host in zone %(zone)s may carry MLPS level %(level)s (at most level %(ceiling)s)."),
)
CHANGE_OPEN = says(
    "change_open", N_("Change request %(change)s for this request is still open: finish it first.")
)
IS_CHANGE_REQUEST = says(
    "is_change_request", N_("This is a change request: act on the request it changes.")
)
LEAVES_NEGATIVE = says("leaves_negative", N_("This would leave %(after)s (the item has %(has)s)."))
CHANGES_NOTHING = says("changes_nothing", N_("The change changes nothing."))

OVER_QUOTA = says(
    "over_quota",
    N_(
        "%(over_by)s over the quota: %(department)s may hold %(limit)s in %(zone)s, with "
        "%(in_use)s in use, %(reserved)s reserved and %(requested)s requested."
    ),
)


class QuotaExceeded(Conflict):
    """The request would take a department past one or more of its quotas."""

    code = says(
        "quota_exceeded",
        N_("The request does not fit the department's quota: the amounts over it are marked."),
    )

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        self.shortfalls = shortfalls
        super().__init__(
            "items",
            "quota exceeded: " + "; ".join(s.describe() for s in shortfalls),
            params={
                "resources": ", ".join(s.resource.value for s in shortfalls),
                "shortfalls": [s.params() for s in shortfalls],
            },
        )

    def field_problems(self) -> list[FieldProblem]:
        """One per resource over its quota, on the field that asks for that resource."""
        return [
            FieldProblem(s.resource.value, s.describe(), OVER_QUOTA, s.params())
            for s in self.shortfalls
        ]

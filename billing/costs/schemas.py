"""Cost accounting results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class AllocationRule:
    """How a provider's fixed fee is spread (see ``infra/settings.py::BillingSettings``)."""

    method: str = "usage"  # usage | quota | fixed_share
    fixed_shares: dict[int, Decimal] = field(default_factory=dict)  # department id -> weight
    allocate_idle: bool = False

    def describe(self) -> str:
        idle = "idle capacity allocated too" if self.allocate_idle else "idle capacity unallocated"
        return f"fixed fee spread by {self.method}; {idle}"


@dataclass(frozen=True)
class ProviderCost:
    """One provider's month: its cost, what departments were charged, and who bears the cost.

    ``sum(shares.values()) + unallocated == total_cost`` to the fen."""

    provider_id: int
    month: dt.date
    contract_fee: Decimal
    variable_cost: Decimal
    utilisation: Decimal  # vCPU-minutes used ÷ vCPU-minutes of the provider's hosts
    recovered: Decimal  # charges (charge card) for usage this provider delivered
    shares: dict[int, Decimal]  # department -> variable cost + share of the fixed fee
    unallocated: Decimal
    variable_by_zone: dict[str, Decimal]
    charged_by_department: dict[int, Decimal]
    rule: str

    @property
    def total_cost(self) -> Decimal:
        return self.contract_fee + self.variable_cost

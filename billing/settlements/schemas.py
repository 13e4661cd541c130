"""Settlement output."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class FeeFactor:
    """The multiplier of a provider's contract fee for a quarter, and why."""

    factor: Decimal
    reason: str


class SettlementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider_id: int
    month: dt.date
    quarter: str
    contract_fee: Decimal
    fee_factor: Decimal
    factor_reason: str
    adjusted_fee: Decimal
    variable_cost: Decimal
    amount: Decimal
    issued_at: dt.datetime

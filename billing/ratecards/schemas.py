"""Rate card input and output.  Prices are decimal *strings* (or integers): a JSON float has
already lost the fen, so it is refused with the field's name, never converted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from billing.ratecards.enums import (
    MEASURABLE,
    ONLY_MEASURED,
    CardSide,
    ServiceType,
    Unit,
    UsageBasis,
)
from infra.inventory.enums import NetworkZone


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('floats are refused: write the amount as a decimal string, e.g. "0.12"')
    return value


Money = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=16, decimal_places=4)]
Multiplier = Annotated[
    Decimal, BeforeValidator(_no_float), Field(gt=0, max_digits=6, decimal_places=2)
]


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to: int | None = Field(default=None, gt=0)
    unit_price: Money


class RateLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: ServiceType
    zone: NetworkZone | None = None
    unit: Unit
    fixed_monthly: Money = Decimal(0)
    # Required where a service can be either (bandwidth): the card must say which.
    basis: UsageBasis | None = None
    tiers: list[TierIn] = Field(min_length=1, max_length=10)
    reason: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _check(self) -> RateLineIn:
        if self.unit is not self.service.unit:
            raise ValueError(f"unit: {self.service.value} is priced per {self.service.unit.value}")
        if self.basis is None:
            if self.service in MEASURABLE and self.service not in ONLY_MEASURED:
                raise ValueError(
                    f"basis: say whether {self.service.value} is billed as provisioned or measured"
                )
            self.basis = (
                UsageBasis.MEASURED if self.service in ONLY_MEASURED else UsageBasis.PROVISIONED
            )
        if self.basis is UsageBasis.MEASURED and self.service not in MEASURABLE:
            raise ValueError(f"basis: {self.service.value} is held capacity, billed as provisioned")
        if self.basis is UsageBasis.PROVISIONED and self.service in ONLY_MEASURED:
            raise ValueError(f"basis: {self.service.value} can only be billed as measured")
        bounds = [t.up_to for t in self.tiers]
        if bounds[-1] is not None:
            raise ValueError("tiers: the last tier has no upper bound (up_to empty)")
        inner = [b for b in bounds[:-1] if b is not None]
        if len(inner) != len(bounds) - 1 or inner != sorted(set(inner)):
            raise ValueError("tiers: bounds must rise strictly; only the last tier is open")
        return self


class RateCardVersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    side: CardSide = CardSide.CHARGE
    provider_id: int | None = None
    name: str = Field(min_length=1, max_length=200)
    effective_from: dt.date
    effective_to: dt.date | None = None
    zone_multipliers: dict[NetworkZone, Multiplier] = Field(default_factory=dict)
    note: str | None = Field(default=None, max_length=4000)
    lines: list[RateLineIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _check(self) -> RateCardVersionCreate:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to: must be after effective_from")
        if (self.side is CardSide.COST) != (self.provider_id is not None):
            raise ValueError("provider_id: required on the cost side, empty on the charge side")
        keys = [(line.service, line.zone) for line in self.lines]
        if len(keys) != len(set(keys)):
            raise ValueError("lines: one line per service and zone")
        return self


class RateTierRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    up_to: int | None
    unit_price: Decimal


class RateLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service: ServiceType
    zone: NetworkZone | None
    unit: Unit
    fixed_monthly: Decimal
    basis: UsageBasis
    reason: str | None
    tiers: list[RateTierRead]


class RateCardVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    side: CardSide
    provider_id: int | None
    version: int
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    zone_multipliers: dict[str, Any]
    note: str | None
    lines: list[RateLineRead]

"""The rating processor's values: a compiled card, usage in, rated lines out.

Pure data, no database.  Quantities are integer sixtieths of the priced unit: *unit-minutes*
for time units (4 vCPU for 90 minutes is 360), 1/60 GB for egress; prices are yuan per unit
with at most four decimals; zone multipliers have at most two, so
an effective price is an exact multiple of 10⁻⁶ yuan (a "micro").  Rounding is stated once:
each rated line's amount is rounded to the fen, half up — and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
MICRO = Decimal("0.000001")
FIXED_TIER = -1
"""``tier`` of the line that carries a price line's fixed monthly part."""


def to_fen(amount: Decimal) -> Decimal:
    """The house rounding: to the fen, half up."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tier:
    """Graduated: units (per group and period) above the previous bound, up to ``up_to``."""

    up_to: int | None  # whole units (unit-hours); None for the last tier
    unit_price: Decimal


@dataclass(frozen=True)
class PriceLine:
    service: str
    zone: str | None  # None: every zone, times the version's zone multiplier
    unit: str
    tiers: tuple[Tier, ...]
    fixed_monthly: Decimal = Decimal(0)
    basis: str = "provisioned"  # UsageBasis: how metering finds the quantity (not rating)


@dataclass(frozen=True)
class CardVersion:
    """One effective-dated version: ``[effective_from, effective_to)`` in local dates."""

    id: int
    effective_from: dt.date
    effective_to: dt.date | None
    lines: tuple[PriceLine, ...]
    zone_multipliers: Mapping[str, Decimal] = field(default_factory=dict)

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class UsageRecord:
    department_id: int
    service: str
    zone: str
    day: dt.date  # local (Asia/Shanghai) day the minutes fall on
    minutes: int  # unit-minutes


@dataclass(frozen=True, order=True)
class RatedLine:
    """One tier's worth (or the fixed part, ``tier == -1``) of a department's usage of a
    service in a zone under one card version; ``amount`` is rounded to the fen."""

    department_id: int
    service: str
    zone: str
    version_id: int
    tier: int
    quantity_minutes: int
    unit_price: Decimal  # effective, after the zone multiplier; the monthly fee for tier -1
    amount: Decimal

    @property
    def quantity_hours(self) -> Decimal:
        return Decimal(self.quantity_minutes) / 60


def price_line(version: CardVersion, service: str, zone: str) -> tuple[PriceLine, Decimal] | None:
    """The line pricing ``service`` in ``zone`` and its multiplier (zone line first)."""
    generic = None
    for line in version.lines:
        if line.service == service and line.zone == zone:
            return line, Decimal(1)
        if line.service == service and line.zone is None:
            generic = line
    if generic is None:
        return None
    return generic, version.zone_multipliers.get(zone, Decimal(1))

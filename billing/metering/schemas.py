"""Metered usage as the rating processor and the cost reports see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from billing.rating.schemas import UsageRecord


@dataclass(frozen=True)
class IntervalSnapshot:
    """An interval detached from the database (what a ``MeasuredUsageSource`` may be fed)."""

    department_id: int
    provider_id: int | None
    service: str
    zone: str
    quantity: int
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class MeteredRow:
    """Unit-minutes of one service on one local day, with the provider that delivered them."""

    department_id: int
    provider_id: int | None
    service: str
    zone: str
    day: dt.date
    minutes: int

    def usage(self) -> UsageRecord:
        return UsageRecord(self.department_id, self.service, self.zone, self.day, self.minutes)


@dataclass(frozen=True)
class MeasuredDay:
    """One allocation's measured quantity of one service on one local day, before rounding:
    egress in bytes, bandwidth in Mbit/s × minutes held (its 月95 rate times the minutes)."""

    allocation_id: int
    department_id: int
    provider_id: int | None
    service: str
    zone: str
    day: dt.date
    quantity: Decimal

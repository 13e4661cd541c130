"""What a closed month measured: the billing-side record, and the rule for re-measuring.

Monitoring keeps its minute roll-ups for ``minute_retention_days`` (90 by default); invoices
live for years, and each close re-rates up to twelve closed months for late usage.  Reading an
expired month from monitoring would see no traffic and credit everything measured, so:

* **Record** — the month-end close writes the month's measured days (per allocation, service,
  zone and local day, unrounded; ``MeasuredUsage``) in its own transaction.
* **Re-measure** — a closed month is read from its record; today's measurement replaces a
  part of it only where monitoring still holds every roll-up that part depends on, judged by
  ``now`` and the configured retention (not by what retention has deleted yet):

  - egress, per local day: held when the day's first minute, less the 15-minute gap allowance
    (the base of its first increase), is inside retention;
  - bandwidth (月95 is one percentile over the month): held only when the whole month is.

  Everywhere else the record stands: expired roll-ups never read as a credit.
* **Revise** — a close that re-measures an earlier month writes the merged result back as
  that month's record, in the same transaction as the adjustments it books, so the record
  always says what the invoices and their adjustments billed: a late sample adjusted once is
  not reversed when its roll-ups expire later.
* **Before the record** — a month closed before this record existed
  (``measured_recorded_at`` empty) is re-measured from monitoring while wholly held (and then
  recorded); once partly expired its measured services are left as invoiced.

The cost report reads closed months through :func:`measured_days_of` too, so it agrees with the
invoices and their adjustments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from billing.invoices.enums import PeriodStatus
from billing.invoices.models import BillingPeriod
from billing.invoices.service import get_period, month_bounds
from billing.metering.models import MeasuredUsage
from billing.metering.schemas import MeasuredDay
from billing.metering.service import MEASURED_SERVICES
from billing.metering.traffic import BANDWIDTH, MeasuredTrafficSource
from infra.database import utcnow
from infra.schedules.types import CITY_TIMEZONE
from infra.settings import get_settings
from monitoring.metrics.queries import DEFAULT_MAX_GAP_MS


class MeasuredDaySource(Protocol):
    """Measured days of ``[start, end)`` (``MeasuredTrafficSource`` reads monitoring)."""

    def measured_days(self, *, start: dt.datetime, end: dt.datetime) -> list[MeasuredDay]: ...


@dataclass(frozen=True)
class MonthMeasure:
    """A month's measured days, and the services whose re-rating must be skipped (a month
    closed before the record existed, no longer wholly held by monitoring)."""

    days: list[MeasuredDay]
    frozen_services: frozenset[str] = frozenset()


def held_from(now: dt.datetime) -> dt.datetime:
    """The earliest instant whose measurement monitoring can still rebuild at ``now``."""
    days = get_settings().monitoring.minute_retention_days
    return now - dt.timedelta(days=days) + dt.timedelta(milliseconds=DEFAULT_MAX_GAP_MS)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(CITY_TIMEZONE)).astimezone(dt.UTC)


def merge(
    recorded: Sequence[MeasuredDay],
    measured: Sequence[MeasuredDay],
    *,
    month: dt.date,
    held_from: dt.datetime,
) -> list[MeasuredDay]:
    """The record, with today's measurement where monitoring holds the data (module rule)."""
    month_held = month_bounds(month)[0] >= held_from

    def held(day: MeasuredDay) -> bool:
        return month_held if day.service == BANDWIDTH else _day_start(day.day) >= held_from

    return sorted(
        [d for d in recorded if not held(d)] + [d for d in measured if held(d)],
        key=lambda d: (d.day, d.allocation_id, d.service, d.zone),
    )


def read_record(session: Session, *, month: dt.date) -> list[MeasuredDay]:
    rows = session.scalars(
        select(MeasuredUsage).where(MeasuredUsage.month == month).order_by(MeasuredUsage.id)
    )
    return [
        MeasuredDay(
            r.allocation_id, r.department_id, r.provider_id, r.service, r.zone, r.day, r.quantity
        )
        for r in rows
    ]


def write_record(session: Session, *, month: dt.date, days: Sequence[MeasuredDay]) -> None:
    """Replace ``month``'s record with ``days`` (in the caller's transaction)."""
    session.execute(delete(MeasuredUsage).where(MeasuredUsage.month == month))
    session.add_all(
        MeasuredUsage(
            month=month,
            allocation_id=d.allocation_id,
            department_id=d.department_id,
            provider_id=d.provider_id,
            service=d.service,
            zone=d.zone,
            day=d.day,
            quantity=d.quantity,
        )
        for d in days
        if d.quantity > 0
    )
    session.flush()


def measured_days_of(
    session: Session,
    *,
    month: dt.date,
    now: dt.datetime | None = None,
    source: MeasuredDaySource | None = None,
) -> MonthMeasure:
    """``month``'s measured days: live for an open month, by the module's rule for a closed
    one (nothing is written; :func:`revise_record` does that)."""
    start, end = month_bounds(month)
    live = (source or MeasuredTrafficSource(session)).measured_days(start=start, end=end)
    period = get_period(session, month)
    if period is None or period.status is not PeriodStatus.CLOSED:
        return MonthMeasure(live)
    cut = held_from(now or utcnow())
    if period.measured_recorded_at is None:
        if start >= cut:
            return MonthMeasure(live)
        return MonthMeasure(
            [d for d in live if d.service not in MEASURED_SERVICES], MEASURED_SERVICES
        )
    return MonthMeasure(merge(read_record(session, month=month), live, month=month, held_from=cut))


def revise_record(session: Session, *, period: BillingPeriod, measure: MonthMeasure) -> None:
    """Write a re-measured closed month back as its record (unless its services are frozen)."""
    if measure.frozen_services:
        return
    write_record(session, month=period.month, days=measure.days)
    period.measured_recorded_at = utcnow()

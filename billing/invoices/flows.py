"""Month-end close: meter, rate, adjust for late usage, issue invoices, settle providers,
check budgets, record the measured usage, close the period — in one transaction, once.

Earlier closed months are re-measured from their measured-usage record, by the rule in
``invoices/measured.py`` (monitoring's roll-ups expire; the record does not).

Re-running a closed month changes nothing and returns the same summary; the invoices' bytes
are rendered from their stored rows, so they are the same bytes too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from billing.invoices.budgets import check_budgets
from billing.invoices.enums import PeriodStatus
from billing.invoices.exceptions import PeriodNotOver
from billing.invoices.measured import (
    MeasuredDaySource,
    measured_days_of,
    revise_record,
    write_record,
)
from billing.invoices.models import BillingPeriod
from billing.invoices.reserved import reserved_lines
from billing.invoices.service import (
    adjustments,
    closed_months,
    get_period,
    issue_invoices,
    month_bounds,
    month_start,
    next_month,
    rate_charges,
)
from billing.metering.service import metered_rows
from billing.metering.traffic import MeasuredTrafficSource
from billing.settlements.service import settle_month
from infra.audit.actor import Actor
from infra.database import serialize_on, utcnow
from infra.settings import get_settings


def check_closable(month: dt.date, *, now: dt.datetime | None = None) -> None:
    """Refuse (``PeriodNotOver``) a month that has not ended: the close page asks before it
    starts the job, the job asks again."""
    if month_bounds(month_start(month))[1] > (now or utcnow()):
        raise PeriodNotOver(month_start(month))


def close_month(
    session: Session,
    *,
    month: dt.date,
    actor: Actor,
    source: MeasuredDaySource | None = None,
    now: dt.datetime | None = None,
    reserved_rate: Decimal | None = None,
) -> dict[str, Any]:
    """Close ``month`` (any day of it): idempotent, refuses a month that has not ended."""
    month = month_start(month)
    serialize_on(session, f"billing:close:{month.isoformat()}")
    period = get_period(session, month)
    if period is not None and period.status is PeriodStatus.CLOSED:
        return dict(period.summary or {}, already_closed=True)
    start, end = month_bounds(month)
    check_closable(month, now=now)
    source = source or MeasuredTrafficSource(session)
    measured = source.measured_days(start=start, end=end)
    rows = metered_rows(session, start=start, end=end, measured=measured)
    rated = rate_charges(session, rows, month)
    rerated = {}
    frozen = {}
    for earlier in closed_months(session, before=month):
        e_start, e_end = month_bounds(earlier)
        again = measured_days_of(session, month=earlier, now=now, source=source)
        rerated[earlier] = rate_charges(
            session, metered_rows(session, start=e_start, end=e_end, measured=again.days), earlier
        )
        frozen[earlier] = again.frozen_services
        earlier_period = get_period(session, earlier)
        assert earlier_period is not None  # closed_months lists closed periods
        revise_record(session, period=earlier_period, measure=again)
    late = adjustments(session, month=month, rerated=rerated, frozen=frozen)
    extra = late + reserved_lines(
        session,
        month=month,
        end=next_month(month),
        minutes_in_month=int((end - start).total_seconds()) // 60,
        rows=rows,
        rate=get_settings().billing.reserved_quota_rate if reserved_rate is None else reserved_rate,
    )
    invoices = issue_invoices(session, month=month, rated=rated, extra=extra, actor=actor)
    settlements = settle_month(session, month=month, rows=rows, actor=actor)
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        spent[invoice.department_id] += invoice.total
    alerts = check_budgets(session, month=month, spent=spent)
    summary = {
        "month": month.isoformat(),
        "invoices": len(invoices),
        "charged": str(sum((i.total for i in invoices), Decimal(0))),
        "adjustment_lines": len(late),
        "reserved_lines": len(extra) - len(late),
        "settlements": len(settlements),
        "settled": str(sum((s.amount for s in settlements), Decimal(0))),
        "budget_alerts": len(alerts),
        "hashes": {i.number: i.content_hash for i in invoices},
    }
    if period is None:
        period = BillingPeriod(month=month)
        session.add(period)
    period.status = PeriodStatus.CLOSED
    period.closed_at = utcnow()
    period.closed_by = actor.username
    period.summary = summary
    session.flush()
    write_record(session, month=month, days=measured)
    period.measured_recorded_at = period.closed_at
    session.flush()
    return dict(summary, already_closed=False)

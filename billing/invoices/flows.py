"""Month-end close: meter, rate, adjust for late usage, issue invoices, settle providers,
check budgets, close the period — in one transaction, once.

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
from billing.metering.service import MeasuredUsageSource, metered_rows
from billing.settlements.service import settle_month
from infra.audit.actor import Actor
from infra.database import serialize_on, utcnow
from infra.settings import get_settings


def close_month(
    session: Session,
    *,
    month: dt.date,
    actor: Actor,
    source: MeasuredUsageSource | None = None,
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
    if end > (now or utcnow()):
        raise PeriodNotOver(month)
    rows = metered_rows(session, start=start, end=end, source=source)
    rated = rate_charges(session, rows, month)
    rerated = {}
    for earlier in closed_months(session, before=month):
        e_start, e_end = month_bounds(earlier)
        rerated[earlier] = rate_charges(
            session, metered_rows(session, start=e_start, end=e_end, source=source), earlier
        )
    late = adjustments(session, month=month, rerated=rerated)
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
    return dict(summary, already_closed=False)

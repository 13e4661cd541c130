"""Month-end close, run by the scheduler once each month has ended (for that month)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from billing.invoices.flows import close_month
from infra.audit.actor import Actor
from infra.schedules.types import CITY_TIMEZONE, Schedule, ScheduleContext, monthly


def close_previous_month(context: ScheduleContext) -> dict[str, Any]:
    """Close the month the scheduler hands over (``period_start`` is its first local day)."""
    month = context.period_start.astimezone(ZoneInfo(CITY_TIMEZONE)).date()
    with context.job.session() as session:
        summary = close_month(session, month=month, actor=Actor.system("billing-close"))
    return summary


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="billing.month_end_close",
        period=monthly(),
        handler=close_previous_month,
        description="Close the month: rate usage, issue invoices, settle providers, check budgets",
        catch_up=3,
    ),
)

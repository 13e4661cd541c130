"""Month-end close, run by the scheduler once each month has ended (for that month); the daily
budget watch on the month-to-date charges."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from billing.invoices.budgets import watch_budgets
from billing.invoices.flows import close_month
from infra.audit.actor import Actor
from infra.labels import N_
from infra.schedules.types import CITY_TIMEZONE, Every, Schedule, ScheduleContext, monthly

DAY_S = 86_400


def close_previous_month(context: ScheduleContext) -> dict[str, Any]:
    """Close the month the scheduler hands over (``period_start`` is its first local day)."""
    month = context.period_start.astimezone(ZoneInfo(CITY_TIMEZONE)).date()
    with context.job.session() as session:
        summary = close_month(session, month=month, actor=Actor.system("billing-close"))
    return summary


def watch_month_to_date(context: ScheduleContext) -> dict[str, Any]:
    """Rate the month to date at the end of the period and raise budget alerts it crosses."""
    with context.job.session() as session:
        return watch_budgets(session, until=context.period_end)


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="billing.month_end_close",
        period=monthly(),
        handler=close_previous_month,
        description=N_(
            "Close the month: rate usage, issue invoices, settle providers, check budgets"
        ),
        catch_up=3,
    ),
    # Daily, not hourly: budgets are monthly, and one rating of the month so far a day (at
    # 08:00 Shanghai, the epoch-aligned UTC midnight) warns a department in its working day
    # at the cost of one rating run; the month-end close still checks the invoiced total.
    Schedule(
        name="billing.budget_watch",
        period=Every(DAY_S),
        handler=watch_month_to_date,
        description=N_(
            "Rate the month to date and raise budget alerts at 80 and 100 percent, once each"
        ),
        catch_up=1,
    ),
)

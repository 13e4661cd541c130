"""Requests' periodic work: the daily expiry sweep (reminders before a term ends, release after).

The period is a UTC day (it ends at 08:00 in Asia/Shanghai); the sweep runs for the city's date
on which its period ended.  :func:`infra.tenancy.requests.expiry.sweep` is idempotent, so a
catch-up or a retried run does nothing twice.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from infra.labels import N_
from infra.schedules.types import CITY_TIMEZONE, Every, Schedule, ScheduleContext
from infra.tenancy.requests.expiry import sweep

DAY = 24 * 3600


def expiry_sweep(context: ScheduleContext) -> dict[str, Any]:
    today = context.period_end.astimezone(ZoneInfo(CITY_TIMEZONE)).date()
    with context.job.session() as session:
        report = sweep(session, today=today)
    context.job.log(f"{today}: {len(report.reminded)} reminded, {len(report.expired)} expired")
    return {"today": today, "reminded": report.reminded, "expired": report.expired}


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="requests.expiry",
        period=Every(DAY),
        handler=expiry_sweep,
        description=N_("Remind departments of terms about to end; expire and release ended ones."),
        catch_up=3,
    ),
)

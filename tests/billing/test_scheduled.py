"""The month-end schedule, called as the scheduler will call it (the scheduler is tested
elsewhere): registered, monthly, and idempotent per period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.invoices.models import Invoice
from billing.invoices.scheduled import SCHEDULES, close_previous_month
from billing.metering.subscriptions import SUBSCRIPTIONS
from infra.jobs.runner import JobContext
from infra.schedules.types import ScheduleContext, monthly
from portal_api import registry
from tests.billing import factories as bf


def test_registered() -> None:
    assert set(SCHEDULES) <= set(registry.SCHEDULES)
    assert set(SUBSCRIPTIONS) <= set(registry.SUBSCRIPTIONS)
    assert SCHEDULES[0].period == monthly()


def test_month_end_handler_closes_the_period_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    world = bf.scene(session, departments=1)
    bf.allocate(session, department=world.departments[0], host=world.host, start=bf.at(2026, 9, 9))
    period = monthly()
    start = period.floor(bf.at(2026, 10, 5))
    context = ScheduleContext(
        job=JobContext("schedule-test", session_factory),
        period_start=start,
        period_end=period.next(start),
    )
    first = close_previous_month(context)
    second = close_previous_month(context)
    assert first["month"] == "2026-10-01"
    assert second["already_closed"]
    assert second["hashes"] == first["hashes"]
    session.expire_all()
    numbers = list(session.scalars(select(Invoice.number)))
    assert numbers == list(first["hashes"])
    assert dt.date(2026, 10, 1).strftime("%Y%m") in numbers[0]


def test_budget_watch_raises_each_threshold_once_mid_month(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """The daily watch rates the month so far: 80 % raised mid-month, then 100 %, each once
    across re-runs; catches alerts left to month-end, and a re-run raising a duplicate."""
    from decimal import Decimal

    from billing.invoices.budgets import set_budget
    from billing.invoices.models import BudgetAlert
    from billing.invoices.scheduled import watch_month_to_date
    from infra.audit.models import AuditEntry
    from infra.schedules.types import Every

    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    bf.allocate(session, department=dept, host=world.host, start=bf.at(2026, 9, 1), vcpu=100)
    # 100 vCPU × ¥0.08/h + memory and disk ≈ ¥8.20/h: by 2 Sept 08:00 local (32 h) ≈ ¥262,
    # 80 % of ¥300; by 3 Sept 08:00 (56 h) ≈ ¥459, over 100 %.
    set_budget(session, department_id=dept.id, monthly_amount=Decimal("300.00"), actor=bf.SYSTEM)
    session.commit()
    day = Every(86_400)

    def run(local_day: int) -> dict[str, object]:
        start = day.floor(bf.at(2026, 9, local_day, 9))
        context = ScheduleContext(
            job=JobContext("budget-test", session_factory),
            period_start=start - dt.timedelta(days=1),
            period_end=start,
        )
        return watch_month_to_date(context)

    assert run(2)["alerts"] == [[dept.id, 80]]
    assert run(2)["raised"] == 0  # a re-run of the same day
    assert run(3)["alerts"] == [[dept.id, 100]]
    assert run(4)["raised"] == 0
    session.expire_all()
    alerts = sorted((a.threshold, a.basis) for a in session.scalars(select(BudgetAlert)))
    assert alerts == [(80, "month_to_date"), (100, "month_to_date")]
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "alert")).all()
    assert len(entries) == 2

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

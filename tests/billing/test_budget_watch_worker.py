"""The daily budget watch run by a real ``govcloud worker`` process (the scheduler, the job
engine and the handler together), against its own PostgreSQL database.

Slow and PostgreSQL-only, like ``tests/infra/jobs/test_at_scale.py`` whose worker it starts:
the worker ticks its schedules as it starts, so the watch runs for the latest ended day."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from billing.invoices.budgets import set_budget
from billing.invoices.events import BudgetAlertRaised
from billing.invoices.models import BudgetAlert
from billing.invoices.service import month_bounds, rate_charges
from billing.metering.service import metered_rows
from infra.events.models import OutboxEvent
from infra.schedules.types import CITY_TIMEZONE, Every
from portal_api.schema import migrate
from tests.billing import factories as bf
from tests.infra.jobs.test_at_scale import POSTGRES_URL, ROOT, _wait

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not POSTGRES_URL,
        reason="needs PostgreSQL (set GOVCLOUD_TEST_POSTGRES_URL): the engine is Procrastinate",
    ),
]


@pytest.fixture
def database() -> Iterator[tuple[str, sessionmaker[Session]]]:
    name = f"govcloud_watch_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    migrate.upgrade(rendered)
    engine = create_engine(rendered)
    try:
        yield rendered, sessionmaker(engine)
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _month_to_date(session: Session, until: dt.datetime) -> tuple[dt.date, Decimal]:
    """What the watch will rate for the day ending at ``until``, worked out in-process."""
    from zoneinfo import ZoneInfo

    local = (until - dt.timedelta(microseconds=1)).astimezone(ZoneInfo(CITY_TIMEZONE))
    month = local.date().replace(day=1)
    start, _ = month_bounds(month)
    lines = rate_charges(session, metered_rows(session, start=start, end=until), month)
    return month, sum((line.amount for line in lines), Decimal(0))


def test_the_worker_runs_the_watch_and_raises_the_alert_once_with_its_event(
    database: tuple[str, sessionmaker[Session]], tmp_path: Path
) -> None:
    """A budget the month to date has passed 80 % (not 100 %) of: a worker started now runs
    ``billing.budget_watch`` for the latest ended day and raises one 80 % month-to-date alert
    with one event.  Catches the watch not registered with the worker, a handler that fails
    in a real job, or an alert whose event is lost."""
    url, factory = database
    until = Every(86_400).floor(dt.datetime.now(dt.UTC))
    with factory() as session:
        world = bf.scene(session, departments=1)
        dept = world.departments[0]
        month, _ = _month_to_date(session, until)
        # From the month's start: no usage in the month the worker's month-end close handles.
        bf.allocate(
            session, department=dept, host=world.host, start=month_bounds(month)[0], vcpu=100
        )
        session.commit()
        month, spent = _month_to_date(session, until)
        assert spent > 0
        budget = (spent / Decimal("0.9")).quantize(Decimal("0.01"))  # spent is 90 % of it
        set_budget(session, department_id=dept.id, monthly_amount=budget, actor=bf.SYSTEM)
        session.commit()
    env = os.environ | {
        "GOVCLOUD_DATABASE_URL": url,
        "GOVCLOUD_DEMO": "1",
        "GOVCLOUD_JOBS__BACKEND": "procrastinate",
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:  # the child keeps its own copy
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.infra.jobs.scale_worker", "2"],
            env=env, cwd=ROOT, stdout=out, stderr=out,
        )  # fmt: skip
    try:

        def watched() -> bool:
            with factory() as s:
                status = s.execute(
                    text(
                        "SELECT j.status FROM schedule_runs r JOIN jobs j ON j.id = r.job_id "
                        "WHERE r.name = 'billing.budget_watch'"
                    )
                ).scalar()
                return status in ("succeeded", "failed")

        _wait(watched, 90, "the budget watch to run")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    with factory() as session:
        status = session.execute(
            text(
                "SELECT j.status, r.period_end FROM schedule_runs r JOIN jobs j ON j.id = r.job_id "
                "WHERE r.name = 'billing.budget_watch'"
            )
        ).one()
        assert status[0] == "succeeded", log.read_text()[-3000:]
        alerts = session.scalars(select(BudgetAlert)).all()
        assert [(a.month, a.threshold, a.basis) for a in alerts] == [(month, 80, "month_to_date")]
        assert alerts[0].spent == spent
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == BudgetAlertRaised.type)
        ).all()
        assert [e.payload["alert_id"] for e in events] == [alerts[0].id]

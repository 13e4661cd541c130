"""The scheduler over a real database: one claim per period whoever ticks, catch-up, status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from infra.database import session_scope
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.jobs.runner import InlineBackend, set_backend
from infra.schedules import service
from infra.schedules.models import ScheduleRun
from infra.schedules.types import Every, Schedule, ScheduleContext
from tests.jobkinds import with_kinds

RAN: list[tuple[dt.datetime, dt.datetime]] = []


def _record(context: ScheduleContext) -> dict[str, Any]:
    RAN.append((context.period_start, context.period_end))
    return {"ok": True}


MINUTELY = Schedule("tests.minutely", Every(60), _record, "test", catch_up=3)


@pytest.fixture(autouse=True)
def _kinds(session_factory: sessionmaker[Session]) -> Iterator[None]:
    RAN.clear()
    previous = set_backend(InlineBackend(session_factory))
    with with_kinds(*service.job_kinds([MINUTELY])):
        yield
    set_backend(previous)


def _runs(factory: sessionmaker[Session]) -> list[dt.datetime]:
    with session_scope(factory) as s:
        return list(s.scalars(select(ScheduleRun.period_start).order_by(ScheduleRun.period_start)))


def test_two_processes_ticking_claim_each_period_once(
    session_factory: sessionmaker[Session],
) -> None:
    """Catches a claim that is not atomic: the second tick for the same moment finds the
    period taken and submits nothing."""
    now = dt.datetime(2026, 11, 30, 1, 2, 30, tzinfo=dt.UTC)
    first = service.tick(session_factory, [MINUTELY], now=now)
    second = service.tick(session_factory, [MINUTELY], now=now)
    assert len(first) == 1
    assert second == []
    assert [
        (
            dt.datetime(2026, 11, 30, 1, 1, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 30, 1, 2, tzinfo=dt.UTC),
        )
    ] == RAN
    with session_scope(session_factory) as s:
        job = s.get_one(Job, first[0])
        assert job.kind == "schedule:tests.minutely"
        assert job.status is JobStatus.SUCCEEDED


def test_missed_periods_are_caught_up_oldest_first_at_most_catch_up(
    session_factory: sessionmaker[Session],
) -> None:
    start = dt.datetime(2026, 11, 30, 1, 0, 30, tzinfo=dt.UTC)
    service.tick(session_factory, [MINUTELY], now=start)
    later = start + dt.timedelta(minutes=10)  # down for ten minutes
    service.tick(session_factory, [MINUTELY], now=later)
    assert [r.strftime("%H:%M") for r in _runs(session_factory)] == [
        "00:59",
        "01:07",
        "01:08",
        "01:09",
    ]
    assert [s.strftime("%H:%M") for s, _ in RAN] == ["00:59", "01:07", "01:08", "01:09"]


def test_status_shows_last_and_next(session_factory: sessionmaker[Session]) -> None:
    now = dt.datetime(2026, 11, 30, 1, 2, 30, tzinfo=dt.UTC)
    with session_scope(session_factory) as s:
        (before,) = service.statuses(s, [MINUTELY], now=now)
    assert before.last_job_id is None
    assert before.next_run_at == dt.datetime(2026, 11, 30, 1, 3, tzinfo=dt.UTC)
    service.tick(session_factory, [MINUTELY], now=now)
    with session_scope(session_factory) as s:
        (after,) = service.statuses(s, [MINUTELY], now=now)
        assert s.scalar(select(func.count()).select_from(ScheduleRun)) == 1
    assert after.last_status is JobStatus.SUCCEEDED
    assert after.last_period_start == dt.datetime(2026, 11, 30, 1, 1, tzinfo=dt.UTC)

"""Period maths: floors, next starts and the ended periods the scheduler claims."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from infra.schedules.service import due_periods, ended_periods, previous_start
from infra.schedules.types import Every, Schedule, monthly, quarterly

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def _noop(_context: object) -> None:
    return None


def test_every_is_aligned_to_the_epoch() -> None:
    every = Every(2)
    at = dt.datetime(2026, 11, 30, 1, 0, 5, 500_000, tzinfo=UTC)
    assert every.floor(at) == dt.datetime(2026, 11, 30, 1, 0, 4, tzinfo=UTC)
    assert every.next(at) == dt.datetime(2026, 11, 30, 1, 0, 6, tzinfo=UTC)
    assert previous_start(every, at) == dt.datetime(2026, 11, 30, 1, 0, 2, tzinfo=UTC)


def test_month_edges_follow_shanghai_not_utc() -> None:
    """30 Nov 16:30 UTC is already 1 Dec 00:30 in Shanghai: the month that has ended is
    November (starting 31 Oct 16:00 UTC), not October."""
    m = monthly()
    at = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert m.floor(at) == sh(2026, 12, 1)
    assert previous_start(m, at) == sh(2026, 11, 1)
    assert m.floor(at).astimezone(UTC) == dt.datetime(2026, 11, 30, 16, tzinfo=UTC)
    just_before = dt.datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)
    assert m.floor(just_before) == sh(2026, 11, 1)
    assert m.next(sh(2026, 12, 1)) == sh(2027, 1, 1)  # across the year end


@pytest.mark.parametrize(
    ("at", "floor", "following"),
    [
        (sh(2026, 3, 31, 23, 59), sh(2026, 1, 1), sh(2026, 4, 1)),
        (sh(2026, 4, 1, 0, 0), sh(2026, 4, 1), sh(2026, 7, 1)),
        (sh(2026, 12, 31, 12), sh(2026, 10, 1), sh(2027, 1, 1)),
    ],
)
def test_quarters(at: dt.datetime, floor: dt.datetime, following: dt.datetime) -> None:
    q = quarterly()
    assert q.floor(at) == floor
    assert q.next(at) == following


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        Every(60).floor(dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_ended_periods_oldest_first() -> None:
    at = dt.datetime(2026, 1, 1, 0, 0, 7, tzinfo=UTC)
    starts = ended_periods(Every(2), at, 3)
    assert [s.second for s in starts] == [0, 2, 4]


def test_catch_up_after_downtime_is_bounded() -> None:
    """Down for ten periods with catch_up=3: the three most recent missed periods run, oldest
    first; a schedule never run before runs only the latest ended period."""
    schedule = Schedule("s", Every(10), _noop, "test", catch_up=3)
    now = dt.datetime(2026, 1, 1, 0, 2, 5, tzinfo=UTC)
    last = dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    due = due_periods(schedule, now=now, last_claimed=last)
    assert [s.strftime("%M:%S") for s, _ in due] == ["01:30", "01:40", "01:50"]
    assert all(e - s == dt.timedelta(seconds=10) for s, e in due)
    assert [s for s, _ in due_periods(schedule, now=now, last_claimed=None)] == [
        dt.datetime(2026, 1, 1, 0, 1, 50, tzinfo=UTC)
    ]
    up_to_date = dt.datetime(2026, 1, 1, 0, 1, 50, tzinfo=UTC)
    assert due_periods(schedule, now=now, last_claimed=up_to_date) == []

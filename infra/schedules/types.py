"""Periodic work, declared beside the code that owns it.

A domain lists its schedules in ``<domain>/scheduled.py`` as ``SCHEDULES: tuple[Schedule, ...]``;
``portal_api/registry.py`` collects every domain's tuple explicitly (nothing registers itself by
being imported).  The scheduler runs each schedule exactly once per period across every panel,
worker and CLI process sharing the database, and after downtime catches up the periods it
missed (at most ``catch_up`` of them, oldest first).

Periods are half-open ``[start, end)`` intervals of aware UTC times.  Calendar periods (months,
quarters) follow the city's clock, Asia/Shanghai by default, because that is where invoices and
assessments are dated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from infra.jobs.runner import JobContext

CITY_TIMEZONE = "Asia/Shanghai"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _require_aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: periods are computed on aware times")
    return at.astimezone(dt.UTC)


@dataclass(frozen=True)
class Every:
    """Fixed periods of ``seconds``, aligned to the Unix epoch (so every process agrees)."""

    seconds: int

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise ValueError("a period lasts at least one second")

    def floor(self, at: dt.datetime) -> dt.datetime:
        elapsed = int((_require_aware(at) - _EPOCH).total_seconds())
        return _EPOCH + dt.timedelta(seconds=elapsed - elapsed % self.seconds)

    def next(self, start: dt.datetime) -> dt.datetime:
        return self.floor(start) + dt.timedelta(seconds=self.seconds)

    def describe(self) -> str:
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class Calendar:
    """Calendar months (``months=1``) or quarters (``months=3``) in a local time zone."""

    months: int
    timezone: str = CITY_TIMEZONE

    def __post_init__(self) -> None:
        if self.months not in (1, 3, 12):
            raise ValueError("calendar periods are months, quarters or years")
        ZoneInfo(self.timezone)

    def floor(self, at: dt.datetime) -> dt.datetime:
        local = _require_aware(at).astimezone(ZoneInfo(self.timezone))
        month = local.month - (local.month - 1) % self.months
        start = dt.datetime(local.year, month, 1, tzinfo=ZoneInfo(self.timezone))
        return start.astimezone(dt.UTC)

    def next(self, start: dt.datetime) -> dt.datetime:
        local = self.floor(start).astimezone(ZoneInfo(self.timezone))
        index = local.year * 12 + (local.month - 1) + self.months
        following = dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=ZoneInfo(self.timezone))
        return following.astimezone(dt.UTC)

    def describe(self) -> str:
        name = {1: "monthly", 3: "quarterly", 12: "yearly"}[self.months]
        return f"{name} ({self.timezone})"


Period = Every | Calendar


def monthly(timezone: str = CITY_TIMEZONE) -> Calendar:
    return Calendar(1, timezone)


def quarterly(timezone: str = CITY_TIMEZONE) -> Calendar:
    return Calendar(3, timezone)


@dataclass(frozen=True)
class ScheduleContext:
    """What a scheduled handler sees: the job it runs as, and the period it runs for."""

    job: JobContext
    period_start: dt.datetime
    period_end: dt.datetime


ScheduleHandler = Callable[[ScheduleContext], dict[str, Any] | None]


@dataclass(frozen=True)
class Schedule:
    """One piece of periodic work.

    ``handler`` runs as a job (kind ``schedule:<name>``) once the period it is given has
    *ended*: a monthly close for November runs in the first minutes of December, with
    ``period_start``/``period_end`` naming November.  Handlers must be idempotent per period:
    a run retried after a crash gets the same period again.
    """

    name: str
    period: Period
    handler: ScheduleHandler
    description: str
    catch_up: int = 1

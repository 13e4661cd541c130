"""Quarters as the city names them (``2026Q3``) and as periods of aware UTC time."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from infra.errors import InvalidInput, says
from infra.labels import N_
from infra.schedules.types import CITY_TIMEZONE, quarterly

QUARTER_FORMAT = says("quarter_format", N_("Write a quarter like 2026Q3 (2000Q1 to 2099Q4)."))
_QUARTER = re.compile(r"^(?P<year>20[0-9]{2})Q(?P<q>[1-4])$")


def quarter_period(quarter: str, timezone: str = CITY_TIMEZONE) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of ``quarter`` in UTC; refuses anything but ``YYYYQn``."""
    match = _QUARTER.fullmatch(quarter)
    if match is None:
        raise InvalidInput.one(
            "quarter", "a quarter is written like 2026Q3 (2000Q1–2099Q4)", code=QUARTER_FORMAT
        )
    year, q = int(match["year"]), int(match["q"])
    period = quarterly(timezone)
    start = dt.datetime(year, 3 * q - 2, 1, tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)
    return start, period.next(start)


def quarter_of(at: dt.datetime, timezone: str = CITY_TIMEZONE) -> str:
    """The quarter holding ``at`` (an aware time), named in the city's clock."""
    local = quarterly(timezone).floor(at).astimezone(ZoneInfo(timezone))
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def previous_quarters(quarter: str, count: int) -> list[str]:
    """The ``count`` quarters before ``quarter``, oldest first."""
    year, q = int(quarter[:4]), int(quarter[5])
    index = year * 4 + q - 1
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index - count, index)]

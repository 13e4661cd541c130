"""JSON-native copies of values, shared by the audit log and the job layer.

Lives on its own so that jobs (which store params, results and event data) need not import the
audit package, and the audit package need not know about jobs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any


def json_safe(value: Any) -> Any:
    """A JSON-native copy of ``value``: Decimals and enums as strings, times as UTC ISO-8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, float):
        raise TypeError("floats are not stored in the audit log: use Decimal or int")
    return value

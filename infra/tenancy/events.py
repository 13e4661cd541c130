"""Tenancy news for other rooms and floors."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from infra.events.types import Event


class QuotaChanged(Event):
    """A department's quota was created, changed or removed (its stack is then out of date)."""

    type: ClassVar[str] = "tenancy.quota.changed"
    aggregate: ClassVar[str] = "department"

    department_id: int
    at: dt.datetime
    # What changed, for people reading the stack's status ("vcpu quota in extranet created").
    resource: str | None = None
    zone: str | None = None
    change: str | None = None

    def aggregate_id(self) -> str:
        return str(self.department_id)

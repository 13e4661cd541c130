"""Billing news for the upper floors (notifications, the department's home page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from infra.events.types import Event


class BudgetAlertRaised(Event):
    """A department's spending crossed a budget threshold (80 or 100 %) in a month; published
    once per alert, in the transaction that inserts the alert row."""

    type: ClassVar[str] = "billing.budget.alert_raised"
    aggregate: ClassVar[str] = "budget"

    alert_id: int
    budget_id: int
    department_id: int
    month: dt.date
    threshold: int
    spent: Decimal
    budget: Decimal
    basis: str  # AlertBasis: "invoiced" or "month_to_date"
    raised_at: dt.datetime

    def aggregate_id(self) -> str:
        return str(self.budget_id)

"""Department budgets and their 80 % / 100 % alerts, raised once per month and threshold.

Alerts are raised twice over: daily on the month-to-date charges (``scheduled.py``, so a
department hears before the month is out) and at month-end close on the invoices.  "Once" is
the unique constraint's word, not a check-then-insert: each alert is inserted in a savepoint,
and a duplicate (a re-run, or another process that got there first) is refused by the database
and skipped.  A raised alert writes an audit entry and publishes ``BudgetAlertRaised`` (an
outbox row in the same transaction: no alert without its event, no event without its alert).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.invoices.enums import AlertBasis, PeriodStatus
from billing.invoices.events import BudgetAlertRaised
from billing.invoices.models import Budget, BudgetAlert
from billing.invoices.service import get_period, month_bounds, rate_charges
from billing.metering.service import metered_rows
from infra.audit.actor import Actor
from infra.audit.service import record
from infra.events.service import publish
from infra.schedules.types import CITY_TIMEZONE
from infra.tenancy.scope import Scope

THRESHOLDS = (80, 100)


def set_budget(
    session: Session, *, department_id: int, monthly_amount: Decimal, actor: Actor
) -> Budget:
    """Create or change a department's monthly budget."""
    budget = session.scalars(select(Budget).where(Budget.department_id == department_id)).first()
    before = None if budget is None else {"monthly_amount": str(budget.monthly_amount)}
    if budget is None:
        budget = Budget(department_id=department_id, monthly_amount=monthly_amount)
        session.add(budget)
    else:
        budget.monthly_amount = monthly_amount
    session.flush()
    record(
        session,
        actor=actor,
        action="set",
        entity="budget",
        entity_id=budget.id,
        department_id=department_id,
        before=before,
        after={"monthly_amount": str(monthly_amount)},
    )
    return budget


def check_budgets(
    session: Session,
    *,
    month: dt.date,
    spent: Mapping[int, Decimal],
    basis: AlertBasis = AlertBasis.INVOICED,
) -> list[BudgetAlert]:
    """Raise the alerts ``spent`` (per department, this month) crosses; each at most once per
    budget, month and threshold, across re-runs and processes.  ``basis`` says what was
    summed: ``invoiced`` (month-end) or ``month_to_date`` (the daily watch)."""
    raised = []
    for budget in session.scalars(select(Budget).order_by(Budget.id)):
        amount = spent.get(budget.department_id, Decimal(0))
        for threshold in THRESHOLDS:
            if amount * 100 < budget.monthly_amount * threshold:
                continue
            alert = BudgetAlert(
                budget_id=budget.id,
                department_id=budget.department_id,
                month=month,
                threshold=threshold,
                spent=amount,
                basis=basis.value,
            )
            try:
                with session.begin_nested():
                    session.add(alert)
                    session.flush()
            except IntegrityError:  # raised before, here or by another process
                continue
            publish(
                session,
                BudgetAlertRaised(
                    alert_id=alert.id,
                    budget_id=budget.id,
                    department_id=budget.department_id,
                    month=month,
                    threshold=threshold,
                    spent=amount,
                    budget=budget.monthly_amount,
                    basis=basis.value,
                    raised_at=alert.raised_at,
                ),
            )
            record(
                session,
                actor=Actor.system("billing-budgets"),
                action="alert",
                entity="budget",
                entity_id=budget.id,
                department_id=budget.department_id,
                after={
                    "month": month.isoformat(),
                    "threshold": threshold,
                    "spent": str(amount),
                    "budget": str(budget.monthly_amount),
                    "basis": basis.value,
                },
            )
            raised.append(alert)
    return raised


def watch_budgets(session: Session, *, until: dt.datetime) -> dict[str, Any]:
    """Rate the local month containing ``until`` from its start to ``until`` and raise the
    alerts the month-to-date charges cross (a closed month is left to its invoices)."""
    local = (until - dt.timedelta(microseconds=1)).astimezone(ZoneInfo(CITY_TIMEZONE)).date()
    month = local.replace(day=1)
    period = get_period(session, month)
    if period is not None and period.status is PeriodStatus.CLOSED:
        return {"month": month.isoformat(), "skipped": "closed"}
    start, _ = month_bounds(month)
    if session.scalar(select(Budget.id).limit(1)) is None:
        return {"month": month.isoformat(), "raised": 0}
    rated = rate_charges(session, metered_rows(session, start=start, end=until), month)
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for line in rated:
        spent[line.department_id] += line.amount
    raised = check_budgets(session, month=month, spent=spent, basis=AlertBasis.MONTH_TO_DATE)
    return {
        "month": month.isoformat(),
        "until": until.isoformat(),
        "raised": len(raised),
        "alerts": [[a.department_id, a.threshold] for a in raised],
    }


def list_budgets(session: Session, *, scope: Scope) -> list[Budget]:
    query = select(Budget).where(scope.where(Budget.department_id)).order_by(Budget.department_id)
    return list(session.scalars(query))


def list_alerts(session: Session, *, scope: Scope) -> list[BudgetAlert]:
    query = (
        select(BudgetAlert)
        .where(scope.where(BudgetAlert.department_id))
        .order_by(BudgetAlert.month.desc(), BudgetAlert.department_id)
    )
    return list(session.scalars(query))

"""Department budgets and their 80 % / 100 % alerts, raised once per month and threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.invoices.models import Budget, BudgetAlert
from infra.audit.actor import Actor
from infra.audit.service import record
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
    session: Session, *, month: dt.date, spent: Mapping[int, Decimal]
) -> list[BudgetAlert]:
    """Raise the alerts ``spent`` (per department, this month) crosses; each at most once."""
    raised = []
    for budget in session.scalars(select(Budget).order_by(Budget.id)):
        amount = spent.get(budget.department_id, Decimal(0))
        for threshold in THRESHOLDS:
            if amount * 100 < budget.monthly_amount * threshold:
                continue
            exists = session.scalars(
                select(BudgetAlert.id).where(
                    BudgetAlert.budget_id == budget.id,
                    BudgetAlert.month == month,
                    BudgetAlert.threshold == threshold,
                )
            ).first()
            if exists is None:
                alert = BudgetAlert(
                    budget_id=budget.id,
                    department_id=budget.department_id,
                    month=month,
                    threshold=threshold,
                    spent=amount,
                )
                session.add(alert)
                raised.append(alert)
    session.flush()
    return raised


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

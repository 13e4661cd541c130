"""Read models over invoices: a department's latest bill and budget and finance's close (home
pages), and the invoices list (page, export, API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from billing.invoices.enums import InvoiceKind, PeriodStatus
from billing.invoices.models import BillingPeriod, Budget, BudgetAlert, Invoice
from billing.invoices.service import month_start
from infra.labels import N_
from infra.listing import Column, DateFilter, DateRangeFilter, IntFilter, ListSpec
from infra.tenancy.models import Department
from infra.tenancy.queries import department_name
from infra.tenancy.scope import Scope


@dataclass(frozen=True)
class DepartmentBilling:
    """One department's newest invoice, its monthly budget and the highest alert of that month."""

    invoice: Invoice | None
    budget: Budget | None
    alert: BudgetAlert | None


def department_billing(session: Session, *, scope: Scope, department_id: int) -> DepartmentBilling:
    """What a department's home shows of its money; empty when ``scope`` cannot see it."""
    if not scope.allows(department_id):
        return DepartmentBilling(None, None, None)
    invoice = session.scalars(
        select(Invoice)
        .where(Invoice.department_id == department_id, Invoice.kind == InvoiceKind.INVOICE)
        .order_by(Invoice.month.desc(), Invoice.id.desc())
        .limit(1)
    ).first()
    budget = session.scalars(select(Budget).where(Budget.department_id == department_id)).first()
    alert = session.scalars(
        select(BudgetAlert)
        .where(BudgetAlert.department_id == department_id)
        .order_by(BudgetAlert.month.desc(), BudgetAlert.threshold.desc())
        .limit(1)
    ).first()
    return DepartmentBilling(invoice, budget, alert)


@dataclass(frozen=True)
class CloseState:
    """Where month-end stands: the month due for closing and whether it is closed, the newest
    closed month's invoices, and budget alerts raised for it."""

    due_month: dt.date
    due_closed: bool
    last_closed: dt.date | None
    invoices_issued: int
    invoiced_total: Decimal
    alerts: list[BudgetAlert]


def close_state(session: Session, *, scope: Scope, today: dt.date) -> CloseState:
    """The month-end picture as of ``today`` (a local date): last month is the one due."""
    due = (month_start(today) - dt.timedelta(days=1)).replace(day=1)
    closed = session.scalars(
        select(BillingPeriod.month)
        .where(BillingPeriod.status == PeriodStatus.CLOSED)
        .order_by(BillingPeriod.month.desc())
        .limit(1)
    ).first()
    count, total = 0, Decimal(0)
    alerts: list[BudgetAlert] = []
    if closed is not None:
        totals = session.scalars(  # summed here: exact decimals on every backend
            select(Invoice.total).where(
                Invoice.month == closed,
                Invoice.kind == InvoiceKind.INVOICE,
                scope.where(Invoice.department_id),
            )
        ).all()
        count, total = len(totals), sum(totals, Decimal(0))
        alerts = list(
            session.scalars(
                select(BudgetAlert)
                .where(BudgetAlert.month == closed, scope.where(BudgetAlert.department_id))
                .order_by(BudgetAlert.threshold.desc(), BudgetAlert.department_id)
            )
        )
    return CloseState(
        due_month=due,
        due_closed=closed is not None and closed >= due,
        last_closed=closed,
        invoices_issued=count,
        invoiced_total=total,
        alerts=alerts,
    )


def invoices(scope: Scope) -> Select[Any]:
    """Invoices and credit notes visible in ``scope``, with their department's name."""
    return (
        select(Invoice)
        .join(Department, Invoice.department_id == Department.id)
        .where(scope.where(Invoice.department_id))
    )


@cache
def invoices_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="invoices",
        item="invoice",
        id_expr=Invoice.id,
        columns=(
            Column("number", N_("Number"), Invoice.number, "code"),
            Column("department", N_("Department"), department_name(Department, english=english)),
            Column("month", N_("Month"), Invoice.month, "date"),
            Column("total", N_("Amount"), Invoice.total, "decimal"),
        ),
        search=("number", "department"),
        filters=(
            IntFilter("department_id", N_("Department"), Invoice.department_id),
            DateFilter("month", N_("Month"), Invoice.month),
            DateRangeFilter("months", N_("Month"), Invoice.month, timestamps=False),
        ),
        default_sort="-month",
        empty=N_("No bills yet: the first month-end close issues them."),
    )

"""Read models of the invoice lists (the scoped select and the list's declaration)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, select

from billing.invoices.models import Invoice
from infra.labels import N_
from infra.listing import Column, DateFilter, DateRangeFilter, IntFilter, ListSpec
from infra.tenancy.models import Department
from infra.tenancy.queries import department_name
from infra.tenancy.scope import Scope


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

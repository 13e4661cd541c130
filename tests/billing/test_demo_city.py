"""The demo city: closed months, and provider costs reconciling to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from billing.costs.schemas import AllocationRule
from billing.costs.service import cost_report
from billing.focus.service import check_rows, focus_rows, invoice_totals
from billing.invoices.flows import close_month
from billing.invoices.service import list_invoices
from infra.tenancy.scope import Scope
from portal_api import demo

NOW = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)


def test_demo_city_reconciles_to_the_fen(session: Session) -> None:
    """Catches a demo that leaves finance without bills, and any fen lost between a
    provider's cost and the departments' shares plus the unallocated remainder."""
    demo.load(session)
    session.commit()
    invoices = list_invoices(session, scope=Scope.everything())
    months = sorted({i.month for i in invoices})
    assert len(months) >= 3
    assert all(i.total > 0 for i in invoices)
    # The demo hosts' agents measured traffic: every closed month bills measured egress.
    egress_months = {
        line.usage_month for i in invoices for line in i.lines if line.service == "egress"
    }
    assert egress_months == set(months)
    for rule in (AllocationRule("usage"), AllocationRule("usage", allocate_idle=True)):
        report = cost_report(session, months=months, scope=Scope.everything(), rule=rule)
        assert report
        for cost in report:
            assert sum(cost.shares.values(), Decimal(0)) + cost.unallocated == cost.total_cost
    rows = focus_rows(session, months=months, scope=Scope.everything())
    assert check_rows(rows, invoice_totals(session, months=months, scope=Scope.everything())) == []
    again = close_month(session, month=months[-1], actor=demo.ACTOR, now=NOW)
    assert again["already_closed"]

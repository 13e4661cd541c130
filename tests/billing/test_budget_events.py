"""A raised budget alert is news for the upper floors: one ``BudgetAlertRaised`` per alert, in
the alert's own transaction (the outbox)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.invoices.budgets import check_budgets, set_budget
from billing.invoices.enums import AlertBasis
from billing.invoices.events import BudgetAlertRaised
from billing.invoices.models import BudgetAlert
from infra.events.models import OutboxEvent
from tests.billing import factories as bf

MONTH = dt.date(2026, 9, 1)


def _events(session: Session) -> list[OutboxEvent]:
    query = select(OutboxEvent).where(OutboxEvent.type == BudgetAlertRaised.type)
    return list(session.scalars(query.order_by(OutboxEvent.id)))


def test_each_alert_is_published_once_with_its_facts(session: Session) -> None:
    """Catches an alert raised silently, an event per re-run (published before the unique
    constraint has spoken), or an event whose facts differ from the alert row."""
    world = bf.scene(session, departments=2)
    a, b = world.departments
    for dept in (a, b):
        set_budget(
            session, department_id=dept.id, monthly_amount=Decimal("100.00"), actor=bf.SYSTEM
        )
    session.commit()
    spent = {a.id: Decimal("85.00"), b.id: Decimal("40.00")}
    check_budgets(session, month=MONTH, spent=spent, basis=AlertBasis.MONTH_TO_DATE)
    session.commit()
    spent[a.id] = Decimal("101.50")
    for _ in range(2):  # the next day, and a re-run of it
        check_budgets(session, month=MONTH, spent=spent, basis=AlertBasis.MONTH_TO_DATE)
        session.commit()
    check_budgets(session, month=MONTH, spent=spent)  # month-end: nothing new
    session.commit()

    alerts = {x.id: x for x in session.scalars(select(BudgetAlert))}
    events = _events(session)
    assert sorted(e.payload["alert_id"] for e in events) == sorted(alerts)  # once per alert
    by_threshold = {e.payload["threshold"]: e for e in events}
    assert set(by_threshold) == {80, 100}
    hundred = by_threshold[100]
    assert hundred.aggregate == "budget"
    assert hundred.payload["department_id"] == a.id
    assert Decimal(hundred.payload["spent"]) == Decimal("101.50")
    assert Decimal(hundred.payload["budget"]) == Decimal("100.00")
    assert hundred.payload["basis"] == "month_to_date"
    assert hundred.payload["month"] == "2026-09-01"


def test_a_rolled_back_check_publishes_nothing(session: Session) -> None:
    """Catches an event written outside the alert's transaction (news of an alert that was
    never stored)."""
    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    set_budget(session, department_id=dept.id, monthly_amount=Decimal("10.00"), actor=bf.SYSTEM)
    session.commit()
    raised = check_budgets(session, month=MONTH, spent={dept.id: Decimal("20.00")})
    assert len(raised) == 2
    assert len(_events(session)) == 2
    session.rollback()
    assert _events(session) == []
    assert session.scalars(select(BudgetAlert)).all() == []

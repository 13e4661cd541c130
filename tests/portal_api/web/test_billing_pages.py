"""Billing pages in zh-CN and en: a department's bills (own only), finance's close page, a
provider's settlements (own only)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.invoices.flows import close_month
from billing.ratecards.service import load_default_card
from infra.tenancy.enums import Role
from tests import factories
from tests.billing import factories as bf
from tests.portal_api.web.conftest import csrf_in, sign_in


def _billed(session: Session, w: factories.World) -> bf.Billing:
    provider, host = bf.provider_with_host(session)
    other, _ = bf.provider_with_host(session)
    load_default_card(session, actor=bf.SYSTEM, provider_ids=[provider.id, other.id])
    w.users[Role.PROVIDER_REP].provider_id = provider.id
    session.commit()
    for dept in (w.own, w.other):
        bf.allocate(session, department=dept, host=host, start=bf.at(2026, 9, 3), public_ip=1)
    close_month(session, month=dt.date(2026, 9, 1), actor=bf.SYSTEM, now=bf.at(2026, 11, 1))
    session.commit()
    return bf.Billing(provider, host, [w.own, w.other], other)


def test_department_sees_its_own_bills_in_both_languages(
    client: TestClient, session: Session, world: factories.World
) -> None:
    _billed(session, world)
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get("/billing").text
    assert "账单" in page
    assert "<svg" in page
    assert f"INV-202609-{world.own.id:05d}" in page
    assert f"INV-202609-{world.other.id:05d}" not in page
    assert "¥" in page
    link = page.split('href="/billing/invoices/')[1].split('"')[0]
    assert client.get(f"/billing/invoices/{link}").status_code == 200
    pdf = client.get(f"/billing/invoices/{link}/download?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    csrf = csrf_in(page)
    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/billing"})
    english = client.get("/billing").text
    assert "Charges by service and month" in english
    assert client.get("/billing/finance").status_code == 403
    assert client.get("/billing/settlements").status_code == 403


def test_finance_and_provider_pages(
    client: TestClient, session: Session, world: factories.World
) -> None:
    billed = _billed(session, world)
    sign_in(client, world.users[Role.FINANCE])
    page = client.get("/billing/finance").text
    assert "月末结账" in page
    assert 'id="reconciliation"' in page
    assert "2026-09" in page
    client.get("/logout")
    client.cookies.clear()
    sign_in(client, world.users[Role.PROVIDER_REP])
    settlements = client.get("/billing/settlements").text
    assert billed.provider.name in settlements
    assert "尚无已签署的考核" in settlements
    assert f">{billed.provider.name}<" in settlements
    assert billed.other_provider is not None
    assert f">{billed.other_provider.name}<" not in settlements
    assert client.get("/billing").status_code == 403


def test_budget_alerts_show_on_the_departments_bills_and_finances_budgets(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """A department sees its own budget alerts (threshold, basis, when raised) in its
    language, never another department's; finance's budgets say the basis too.  Catches the
    alerts left off the bills page, shown unscoped, or with an untranslated basis."""
    from decimal import Decimal

    from billing.invoices.budgets import check_budgets, set_budget
    from billing.invoices.enums import AlertBasis
    from billing.invoices.models import BudgetAlert

    _billed(session, world)
    for dept in (world.own, world.other):
        set_budget(
            session, department_id=dept.id, monthly_amount=Decimal("100.00"), actor=bf.SYSTEM
        )
    october = dt.date(2026, 10, 1)
    spent = {world.own.id: Decimal("85.00"), world.other.id: Decimal("120.00")}
    check_budgets(session, month=october, spent=spent, basis=AlertBasis.MONTH_TO_DATE)
    session.commit()
    (mine,) = session.query(BudgetAlert).filter_by(department_id=world.own.id).all()
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get("/billing").text
    assert 'id="budget-alerts"' in page
    row = page.split(f'id="alert-{mine.id}"')[1].split("</tr>")[0]
    assert 'data-threshold="80"' in row
    assert "本月截至目前" in row
    assert "2026-10" in row
    assert "UTC" in row  # the raised-at time, through the |datetime filter
    assert 'data-threshold="100"' not in page  # the other department's alert
    client.post("/lang", data={"csrf": csrf_in(page), "locale": "en", "next": "/billing"})
    assert "Month to date" in client.get("/billing").text
    client.get("/logout")
    client.cookies.clear()
    sign_in(client, world.users[Role.FINANCE])
    budgets_table = (
        client.get("/billing/finance").text.split('id="budgets"')[1].split("</table>")[0]
    )
    assert budgets_table.count('data-basis="month_to_date"') == 3  # 80 for one, 80 + 100 other

"""The bills page in a real browser: a department user sees its chart, its bill, its budget
alerts (with their basis, in the page's language), and downloads the CSV whose hash the audit
log holds."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from billing.invoices.budgets import set_budget
from billing.invoices.flows import close_month
from billing.invoices.service import list_invoices
from infra.tenancy.enums import Role
from infra.tenancy.scope import Scope
from tests import factories
from tests.billing import factories as bf

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_department_user_reads_and_downloads_a_bill(
    browser: Browser, live_server: str, session: Session, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    user = factories.user(session, role=Role.DEPARTMENT_USER, dept=dept)
    bf.allocate(session, department=dept, host=world.host, start=bf.at(2026, 9, 2), public_ip=1)
    # A budget the month's bill crosses: the close raises its 80 % and 100 % alerts.
    set_budget(session, department_id=dept.id, monthly_amount=Decimal("1.00"), actor=bf.SYSTEM)
    close_month(session, month=dt.date(2026, 9, 1), actor=bf.SYSTEM, now=bf.at(2026, 11, 1))
    session.commit()
    (invoice,) = list_invoices(session, scope=Scope.everything(), department_id=dept.id)
    context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/billing")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(factories.PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{live_server}/billing")
        expect(page.get_by_role("heading", level=1)).to_have_text("账单")
        expect(page.locator("figure.chart svg rect").first).to_be_visible()
        row = page.locator(f"#invoice-{invoice.id}")
        expect(row).to_contain_text(invoice.number)
        expect(row.locator("td.num")).to_have_text(f"¥{invoice.total:,.2f}")
        alerts = page.locator("#budget-alerts tbody tr")
        expect(alerts).to_have_count(2)
        expect(alerts.first).to_contain_text("已出账")
        with page.expect_download() as download_info:
            row.get_by_role("link", name="CSV").click()
        target = tmp_path / "bill.csv"
        download_info.value.save_as(target)
        assert hashlib.sha256(target.read_bytes()).hexdigest() == invoice.content_hash
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bills")
        expect(page.locator("#budget-alerts tbody tr").first).to_contain_text("Invoiced")
    finally:
        context.close()

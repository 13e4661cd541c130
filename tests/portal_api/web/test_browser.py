"""The pages in a real browser: sign in, switch language, edit a quota through its form."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import ResourceClass, Role
from infra.tenancy.models import Quota
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_operator_switches_language_and_edits_a_quota(
    browser: Browser, live_server: str, session: Session, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    dept = factories.department(session, name="公安局")
    operator = factories.user(session, role=Role.OPERATOR)
    quota = factories.quota(
        session, dept=dept, resource=ResourceClass.MEMORY_GIB, zone=NetworkZone.EXTRANET, limit=256
    )
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/quotas")
        expect(page).to_have_url(f"{live_server}/login?next=/quotas")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.get_by_label("用户名").fill(operator.username)
        page.get_by_label("密码").fill(factories.PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{live_server}/quotas")
        expect(page.get_by_role("heading", level=1)).to_have_text("配额")

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Quotas")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")

        row = page.locator(f"#quota-{quota.id}")
        expect(row).to_contain_text("Memory (GiB)")
        row.get_by_role("link", name="Edit").click()
        expect(page).to_have_url(f"{live_server}/quotas/{quota.id}/edit")
        page.get_by_label("Limit").fill("512")
        page.get_by_role("button", name="Save").click()

        expect(page).to_have_url(f"{live_server}/quotas")
        expect(page.get_by_role("status")).to_have_text("The quota was saved.")
        expect(row.locator("td.num")).to_have_text("512")

        page.get_by_role("button", name="中文").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("配额")
        expect(row).to_contain_text("内存（GiB）")

        screenshot = tmp_path / "quotas.png"
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    assert screenshot.stat().st_size > 0
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    session.rollback()
    session.expire_all()
    assert session.get_one(Quota, quota.id).limit == 512

"""Every role's home in a real browser: signed in through the form, the role's blocks (and only
those) are visible with their own rows, and the quota warnings read as words."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories
from tests.portal_api.web.home_data import city

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage
    from playwright.sync_api import Response as PlaywrightResponse

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPECTED = {
    Role.DEPARTMENT_USER: ["requests", "quotas", "bill", "incidents"],
    Role.DEPARTMENT_ADMIN: ["approvals", "requests", "quotas", "bill", "incidents"],
    Role.OPERATOR: ["approvals", "unplaced", "racks", "failed_jobs", "incidents", "stacks"],
    Role.AUDITOR: ["audit"],
    Role.FINANCE: ["close", "approvals"],
    Role.MANAGER: ["assessment", "close", "incidents"],
    Role.PROVIDER_REP: ["incidents", "breaches", "settlement"],
}


def _console_error(errors: list[str], message: ConsoleMessage) -> None:
    # a failed load is reported by _failed_response, with its address
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _failed_response(errors: list[str], response: PlaywrightResponse) -> None:
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):  # not ours
        errors.append(f"{response.status} {response.url}")


def test_each_role_sees_its_own_home(browser: Browser, live_server: str, session: Session) -> None:
    """Catches a block that renders on the server but not in the browser (a template error
    hidden in a partial), a block shown to the wrong role, and a scope leak in the browser."""
    from playwright.sync_api import expect

    scene = city(session)
    users = {**scene.world.users, Role.PROVIDER_REP: scene.provider_rep}
    for role, blocks in EXPECTED.items():
        context = browser.new_context(base_url=live_server, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", partial(_console_error, errors))
        page.on("response", partial(_failed_response, errors))
        try:
            page.goto("/")
            page.get_by_label("用户名").fill(users[role].username)
            page.get_by_label("密码").fill(factories.PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page).to_have_url(f"{live_server}/")
            expect(page.locator("section.home-block")).to_have_count(len(blocks))
            shown = page.locator("section.home-block").evaluate_all("els => els.map(e => e.id)")
            assert shown == [f"block-{name}" for name in blocks], role
            for name in blocks:
                expect(page.locator(f"#block-{name} h2")).to_be_visible()
            if role is Role.DEPARTMENT_USER:
                quotas = page.locator("#block-quotas")
                expect(quotas.locator('tr[data-level="full"] .level')).to_have_text(
                    "已达或超出配额"
                )
                expect(quotas.locator('tr[data-level="near"] .level')).to_have_text(
                    "接近配额（已达 80% 或以上）"
                )
                expect(page.locator(f"#home-incident-{scene.incident_other.id}")).to_have_count(0)
            if role is Role.PROVIDER_REP:
                expect(page.locator(f"#home-breach-{scene.breach.id}")).to_be_visible()
                expect(page.locator(f"#home-breach-{scene.breach_other.id}")).to_have_count(0)
            if role is Role.OPERATOR:
                page.locator(f"#home-rack-{scene.rack_over.id} a").click()
                expect(page).to_have_url(f"{live_server}/inventory/racks/{scene.rack_over.id}")
            assert not errors, (role, errors)
        finally:
            context.close()

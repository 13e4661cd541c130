"""The rack elevation in a real browser: the SVG draws every host of the rack in its slots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories
from tests.portal_api.web.inventory_data import small_cloud

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_rack_elevation_draws_the_hosts_of_the_rack(
    browser: Browser, live_server: str, session: Session
) -> None:
    from playwright.sync_api import expect

    operator = factories.user(session, role=Role.OPERATOR)
    cloud = small_cloud(session, department=factories.department(session), hosts=5)
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"/inventory/racks/{cloud.rack.id}")
        page.get_by_label("Username").fill(operator.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("机柜 R01")  # user's language
        svg = page.locator("svg#rack-elevation")
        expect(svg).to_be_visible()
        hosts = svg.locator("g.mounted.host")
        expect(hosts).to_have_count(5)
        expect(svg.locator("g.mounted.device")).to_have_count(1)
        # Each host is drawn where its U slots are: 2U boxes stacked from the bottom.
        boxes = [hosts.nth(n).locator("rect").bounding_box() for n in range(5)]
        assert all(box is not None for box in boxes)
        tops = [box["y"] for box in boxes if box is not None]
        heights = {hosts.nth(n).locator("rect").get_attribute("height") for n in range(5)}
        assert tops == sorted(tops, reverse=True)  # U1 at the bottom, higher U further up
        assert heights == {"34"}  # 2 U × 18 px, less the 2 px gap
        expect(page.locator("svg#power-bar")).to_have_class("power-bar over")
        expect(page.get_by_role("alert")).to_have_text("该机柜的实际功率超出预算。")
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Rack R01")
        expect(page.locator("svg#rack-elevation g.mounted.host")).to_have_count(5)
    finally:
        context.close()

"""In Chromium: English chosen on the sign-in page stays after signing in; the API docs render
from this origin alone (every other host refused), with no CSP violation and a favicon."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Request, Route

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_english_chosen_on_the_sign_in_page_is_kept_after_signing_in(
    browser: Browser, live_server: str, session: Session
) -> None:
    """Catches: the sign-in answer resetting the language to the account's saved one."""
    from playwright.sync_api import expect

    operator = factories.user(session, role=Role.OPERATOR)
    session.commit()
    assert operator.locale == "zh_CN"
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/quotas")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_label("Username").fill(operator.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{live_server}/quotas")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("Quotas")
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/api/v1/docs", ".opblock"),  # Swagger UI's operations
        ("/api/v1/docs/redoc", "[role=menuitem]"),  # ReDoc's side menu
    ],
)
def test_the_api_docs_render_without_any_other_host(
    browser: Browser, live_server: str, path: str, rendered: str
) -> None:
    """Catches: docs that stay blank offline (assets from a CDN), a CSP that blocks the docs'
    own scripts or workers, and a favicon request that 404s."""
    origin = urlsplit(live_server).netloc
    outside: list[str] = []
    failed: list[str] = []
    problems: list[str] = []

    def only_this_origin(route: Route) -> None:
        if urlsplit(route.request.url).netloc not in (origin, ""):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    def on_response(response: object) -> None:
        status = getattr(response, "status", 0)
        if status >= 400:
            failed.append(f"{status} {getattr(response, 'url', '')}")

    def on_failed(request: Request) -> None:
        if urlsplit(request.url).netloc == origin:
            failed.append(f"failed {request.url}")

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(60_000)
    # The app builds its OpenAPI document (~450 kB) on first request: seconds on a busy box.
    assert context.request.get("/api/v1/openapi.json", timeout=120_000).status == 200
    context.route("**/*", only_this_origin)
    page = context.new_page()
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        page.goto(path)
        page.wait_for_selector(rendered)
        assert page.locator(rendered).count() > 5
        icon = page.request.get("/favicon.ico")
        assert icon.status == 200
    finally:
        context.close()
    assert outside == []
    assert failed == []
    assert problems == []

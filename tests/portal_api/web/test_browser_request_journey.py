"""The request journey in a real browser, in both languages, each step by the user who does it:
the department user files two machine shapes, the department admin and the cloud office sign
with a comment, the operator plans and commits the placement and marks it running with a
reason, and the department user sees the capacity in use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from infra.tenancy.models import User
from tests import factories
from tests import request_factories as rf

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORDS = {
    "zh_CN": {
        "new": "新建申请",
        "add": "添加一种机器规格",
        "approve": "批准",
        "plan": "规划放置",
        "commit": "提交放置",
        "running": "标记为运行中",
        "placed": "申请已放置。",
        "active": "运行中",
        "usage": "配额使用情况",
    },
    "en": {
        "new": "New request",
        "add": "Add a machine shape",
        "approve": "Approve",
        "plan": "Plan placement",
        "commit": "Commit placement",
        "running": "Mark as running",
        "placed": "The request was placed.",
        "active": "Running",
        "usage": "Usage against quota",
    },
}


def _signed_in(browser: Browser, live_server: str, user: User, path: str) -> tuple[Page, list[str]]:
    """A fresh browser context signed in as ``user`` on ``path``; failed responses (4xx/5xx)
    and script errors collected."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")  # the favicon: another issue
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path)
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"**{path}")
    return page, errors


def _done(page: Page, errors: list[str]) -> None:
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_file_approve_place_activate_and_see_usage(
    browser: Browser, live_server: str, session: Session, language: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[language]
    world = factories.world(session)
    for user in world.users.values():
        user.locale = language
    rf.cloud(session, hosts=3)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    session.commit()
    html_lang = "zh-CN" if language == "zh_CN" else "en"

    # 1. The department user files two machine shapes and submits at once.
    page, errors = _signed_in(
        browser, live_server, world.users[Role.DEPARTMENT_USER], "/requests/new"
    )
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["new"])
    page.locator("#f-title").fill("网上办事大厅 / online services")
    page.locator("#f-justification").fill("迁移旧机房的网上办事系统")
    page.locator("#f-items-0-name").fill("web")
    page.locator("#f-items-0-count").fill("2")
    page.locator("#f-items-0-vcpu").fill("4")
    page.locator("#f-items-0-memory_gib").fill("16")
    page.locator("#f-items-0-storage_gib").fill("100")
    page.locator("#f-items-0-anti_affinity_group").fill("web")
    page.get_by_role("button", name=words["add"]).click()
    page.locator("#f-items-1-name").fill("db")
    page.locator("#f-items-1-vcpu").fill("8")
    page.locator("#f-items-1-memory_gib").fill("32")
    page.locator("#f-items-1-storage_gib").fill("200")
    expect(page.locator("#f-items-0-name")).to_have_value("web")  # kept across the add
    page.locator("#f-submit").check()
    default = page.locator("#request-form > button[type=submit]").first.bounding_box()
    assert default is None or default["width"] * default["height"] <= 1  # Enter's button: unseen
    page.locator("#f-items-1-storage_gib").press("Enter")  # Enter saves, not adds a row
    expect(page.locator("#state")).to_have_attribute("data-state", "submitted")
    expect(page.locator("#items tbody tr")).to_have_count(3)
    request_path = page.url.removeprefix(live_server)
    _done(page, errors)

    # 2. The department admin signs from the approvals queue, with a comment.
    page, errors = _signed_in(
        browser, live_server, world.users[Role.DEPARTMENT_ADMIN], "/approvals"
    )
    page.locator(f'a[href="{request_path}"]').first.click()
    page.locator("#f-reason").fill("科室已确认 / confirmed")
    page.locator("#decision").get_by_role("button", name=words["approve"]).click()
    expect(page.locator("#history")).to_contain_text("科室已确认 / confirmed")
    _done(page, errors)

    # 3. The operator signs for the cloud office, plans, commits, and marks it running.
    page, errors = _signed_in(browser, live_server, world.users[Role.OPERATOR], request_path)
    page.locator("#decision").get_by_role("button", name=words["approve"]).click()
    expect(page.locator("#state")).to_have_attribute("data-state", "approved")
    page.get_by_role("link", name=words["plan"]).click()
    plan = page.locator("#plan tbody tr")
    expect(plan).to_have_count(3)
    hosts = [plan.nth(n).locator("td.host").inner_text() for n in range(3)]
    assert all(hosts)
    page.get_by_role("button", name=words["commit"]).click()
    expect(page.get_by_text(words["placed"])).to_be_visible()
    expect(page.locator("#state")).to_have_attribute("data-state", "placed")
    placed_on = page.locator("#items td.host").all_inner_texts()
    assert sorted(placed_on) == sorted(hosts)  # placed where the preview said
    page.locator("#activate #f-reason").fill("虚拟机已手工创建 / built by hand")
    page.get_by_role("button", name=words["running"]).click()
    expect(page.locator("#state")).to_have_attribute("data-state", "active")
    expect(page.locator("#state")).to_have_text(words["active"])
    expect(page.locator("#history")).to_contain_text("虚拟机已手工创建 / built by hand")
    _done(page, errors)

    # 4. The department user sees the capacity in use.
    page, errors = _signed_in(browser, live_server, world.users[Role.DEPARTMENT_USER], "/usage")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["usage"])
    in_use = page.locator("#usage tbody tr td:nth-of-type(4)").all_inner_texts()
    assert {"16", "64", "400"} <= set(in_use)  # 2×4+8 vCPU, 2×16+32 GiB, 2×100+200 GiB
    _done(page, errors)

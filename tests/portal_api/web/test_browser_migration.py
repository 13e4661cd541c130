"""The migration page in a real browser: the graph's nodes, arrows and colours; the timeline."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from infra.migration import service
from infra.migration.enums import Strategy
from infra.migration.models import Wave, WaveMember
from infra.tenancy.enums import Role
from tests import factories
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.builders import legacy_system

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_dependency_graph_and_timeline_render(
    browser: Browser, live_server: str, session: Session
) -> None:
    from playwright.sync_api import expect

    dept = factories.department(session)
    user = factories.user(session, role=Role.DEPARTMENT_USER, dept=dept)
    db, app, web = (legacy_system(session, dept) for _ in range(3))
    other = legacy_system(session, factories.department(session))
    db.suggested_strategy, app.suggested_strategy = Strategy.REPLATFORM, Strategy.REHOST
    for source, target in [(app, db), (web, app), (other, db)]:
        service.add_dependency(
            session, system_id=source.id, depends_on_id=target.id, actor=SYSTEM, scope=EVERYTHING
        )
    start = dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)
    wave = Wave(
        plan="default",
        number=1,
        starts_at=start,
        ends_at=start + dt.timedelta(days=7),
        max_concurrent=1,
    )
    session.add(wave)
    session.flush()
    for k, system in enumerate([db, app, web]):
        at = start + dt.timedelta(days=1 + k, hours=6)
        session.add(
            WaveMember(
                wave_id=wave.id,
                system_id=system.id,
                slot_starts_at=at,
                slot_ends_at=at + dt.timedelta(hours=8),
            )
        )
    session.commit()

    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    try:
        page.goto("/migration")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        svg = page.locator("svg#dependency-graph")
        expect(svg).to_be_visible()
        nodes = svg.locator("a.dep-node")
        expect(nodes).to_have_count(3)
        expect(svg.locator("path.dep-edge")).to_have_count(2)
        x = {}
        for system in (db, app, web):
            box = svg.locator(f'a.dep-node[data-system="{system.id}"] rect').bounding_box()
            assert box is not None
            x[system.id] = box["x"]
        assert x[db.id] < x[app.id] < x[web.id]  # dependencies to the left
        fill = svg.locator(f'a.dep-node[data-system="{db.id}"] rect').evaluate(
            "el => getComputedStyle(el).fill"
        )
        assert fill == "rgb(212, 236, 217)"  # replatform's colour from app.css
        bars = page.locator("svg#wave-timeline a.wave-bar")
        expect(bars).to_have_count(3)
        lefts = [bars.nth(n).locator("rect").bounding_box() for n in range(3)]
        assert [b["x"] for b in lefts if b] == sorted(b["x"] for b in lefts if b)
        nodes.first.click()
        assert page.url.endswith(f"#system-{db.id}")
        page.screenshot(path="/tmp/migration-page.png", full_page=True)
        assert blocked == []
    finally:
        context.close()

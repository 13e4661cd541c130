"""Monitoring pages: status board, incidents and timeline, SLO page with its SVG burn chart,
the provider's home; zh-CN and en; scoped; the provider acknowledges in the browser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.tenancy.enums import Role
from monitoring.incidents import service as incidents
from monitoring.services.models import ProbeResult
from monitoring.slo.schemas import SloCreate
from monitoring.slo.service import create_slo
from tests import factories
from tests.monitoring import factories as mf
from tests.portal_api.web.conftest import csrf_in, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _city(session: Session) -> tuple:  # type: ignore[type-arg]
    w = factories.world(session)
    p1, p2 = mf.provider(session), mf.provider(session)
    mine = mf.service(session, dept=w.own, prov=p1, since=utcnow() - dt.timedelta(days=3))
    theirs = mf.service(session, dept=w.other, prov=p2)
    probe = mf.probe(session, mine)
    now = utcnow().replace(second=0, microsecond=0)
    session.add_all(
        ProbeResult(probe_id=probe.id, minute=now - dt.timedelta(hours=5, minutes=m), ok=False)
        for m in range(30)
    )
    slo = create_slo(
        session,
        data=SloCreate(name="mine-30d", service_id=mine.id, target=Decimal("0.999")),
        actor=factories.SYSTEM,
    )
    i1 = incidents.open_from_probe(session, service=mine, error="timeout", at=now)
    i2 = incidents.open_from_probe(session, service=theirs, error="timeout", at=now)
    session.commit()
    rep = factories.user(session, role=Role.PROVIDER_REP)
    rep.provider_id = p1.id
    session.commit()
    return w, p1, mine, theirs, slo, i1, i2, rep


def test_pages_in_both_languages_and_scoped(client: TestClient, session: Session) -> None:
    w, _p1, mine, theirs, slo, i1, i2, rep = _city(session)
    sign_in(client, w.users[Role.DEPARTMENT_USER])
    board = client.get("/monitoring", headers={"accept-language": "zh-CN"})
    assert board.status_code == 200
    assert mine.code in board.text
    assert theirs.code not in board.text
    assert "服务状态" in board.text
    assert client.get(f"/monitoring/incidents/{i2.id}").status_code == 404
    page = client.get(f"/monitoring/incidents/{i1.id}")
    assert page.status_code == 200
    assert "incident-timeline" in page.text
    assert "/acknowledge" not in page.text  # a department does not acknowledge
    slo_page = client.get(f"/monitoring/slos/{slo.id}")
    assert slo_page.status_code == 200
    assert "burn-chart" in slo_page.text
    svg = client.get(f"/monitoring/slos/{slo.id}/burn.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg")
    assert b"<script" not in svg.content
    assert client.get("/provider").status_code == 403
    client.cookies.clear()
    sign_in(client, rep)
    home = client.get("/provider", headers={"accept-language": "en"})
    assert home.status_code == 200
    assert f'data-incident="{i1.id}"' in home.text
    assert f'data-incident="{i2.id}"' not in home.text
    nav = client.get("/").text
    assert 'href="/provider"' in nav
    assert "no pages for your role" not in nav


def test_provider_acknowledges_through_the_form(client: TestClient, session: Session) -> None:
    _w, _p1, _mine, _theirs, _slo, i1, i2, rep = _city(session)
    sign_in(client, rep)
    token = csrf_in(client.get(f"/monitoring/incidents/{i1.id}").text)
    done = client.post(
        f"/monitoring/incidents/{i1.id}/acknowledge",
        data={"csrf": token, "note": "on it"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    session.expire_all()
    session.refresh(i1)
    assert i1.status.value == "acknowledged"
    assert i1.acknowledged_by == rep.username
    other = client.post(
        f"/monitoring/incidents/{i2.id}/acknowledge", data={"csrf": token}, follow_redirects=False
    )
    assert other.status_code == 404


@pytest.mark.browser
@pytest.mark.slow
def test_provider_acknowledges_in_chromium(
    browser: Browser, live_server: str, session: Session
) -> None:
    from playwright.sync_api import expect

    _w, _p1, _mine, _theirs, _slo, i1, _i2, rep = _city(session)
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    try:
        page.goto("/provider")
        page.get_by_label("Username").fill(rep.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        row = page.locator(f'#open-incidents tr[data-incident="{i1.id}"]')
        expect(row).to_be_visible()
        expect(row.locator("[data-status]")).to_have_attribute("data-status", "open")
        row.get_by_role("link").first.click()
        expect(page.locator("#incident-facts")).to_be_visible()
        # the user's own language (zh_CN) now, not the browser's
        page.get_by_label("备注").fill("engineer dispatched")
        page.get_by_role("button", name="确认响应").click()
        expect(page.locator("#incident-status [data-status]")).to_have_attribute(
            "data-status", "acknowledged"
        )
        expect(page.locator('#incident-timeline li[data-kind="acknowledged"]')).to_contain_text(
            "engineer dispatched"
        )
        page.goto("/provider")
        expect(page.locator(f'tr[data-incident="{i1.id}"] [data-status]')).to_have_attribute(
            "data-status", "acknowledged"
        )
        assert not blocked, blocked
    finally:
        context.close()

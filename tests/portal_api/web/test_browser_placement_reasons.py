"""The plan preview in a real browser says why a machine does not fit in the operator's
language: the zone by its label, the numbers filled in, nothing left in English."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from infra.tenancy.requests.decisions import approve_request
from infra.tenancy.scope import Scope
from tests import factories
from tests import request_factories as rf
from tests.portal_api.web.test_browser_request_journey import _done, _signed_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAID = {
    "zh_CN": ("无法放置的机器", "机柜功率：电子政务外网中有空间容纳 4 个虚拟 CPU、16 GiB 内存"),
    "en": ("What does not fit", "Rack power: every host in the E-government extranet with room"),
}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_reason_reads_in_the_operators_language(
    browser: Browser, live_server: str, session: Session, language: str
) -> None:
    """Catches the engine's English sentence (``in zone extranet``) shown on the page."""
    from playwright.sync_api import expect

    world = factories.world(session)
    operator = world.users[Role.OPERATOR]
    operator.locale = language
    rf.cloud(session, hosts=1, power_budget_kw=Decimal("0"))  # no watt to switch a host on
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    made = rf.request(
        session, world.users[Role.DEPARTMENT_USER], rf.item(name="vault"), submit=True
    )
    for role in (Role.DEPARTMENT_ADMIN, Role.OPERATOR):
        approve_request(
            session, scope=Scope.everything(), user=world.users[role], request_id=made.id
        )
    session.commit()

    heading, reason = SAID[language]
    page, errors = _signed_in(browser, live_server, operator, f"/requests/{made.id}/placement")
    expect(page.get_by_role("heading", level=2)).to_have_text(heading)
    shown = page.locator("#unplaced td.reason p")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text(reason)
    assert "zone extranet" not in shown.inner_text()
    _done(page, errors)

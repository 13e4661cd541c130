"""Each role's home: the right blocks, filled from the city's real rows, and nothing of another
department's or provider's (scope)."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import guard
from infra.audit.jobs import VERIFY_KIND
from infra.database import session_scope
from infra.jobs.models import Job
from infra.tenancy.enums import Role
from infra.tenancy.models import Quota, User
from infra.tenancy.requests import decisions
from infra.tenancy.scope import Scope
from portal_api.home.pages import ROLE_BLOCKS
from tests import factories
from tests import request_factories as rf
from tests.portal_api.web.conftest import csrf_in, sign_in
from tests.portal_api.web.home_data import City, city

BLOCK = re.compile(r'<section class="home-block" id="block-([a-z_]+)"')


def _blocks(html: str) -> list[str]:
    return BLOCK.findall(html)


def _block(html: str, name: str) -> str:
    """The HTML of one block (so an id found elsewhere on the page does not count)."""
    found = re.search(rf'id="block-{name}".*?</section>', html, re.S)
    assert found, f"no {name} block"
    return found.group(0)


def _home(client: TestClient, scene: City, role: Role) -> str:
    sign_in(client, scene.user(role))
    page = client.get("/")
    assert page.status_code == 200
    return page.text


def _expected(role: Role) -> list[str]:
    return [make.__name__.removesuffix("_block") for make in ROLE_BLOCKS[role]]


def test_every_role_has_blocks_and_each_block_a_template() -> None:
    """Catches a role left without a home, or a block whose partial is missing."""
    from portal_api.web.render import environment

    env = environment("zh_CN")
    for role in Role:
        assert ROLE_BLOCKS[role], role
        for make in ROLE_BLOCKS[role]:
            env.get_template(f"home/_{make.__name__.removesuffix('_block')}.html")


def test_department_user_sees_its_requests_quotas_bill_and_incidents_only(
    client: TestClient, session: Session
) -> None:
    """Catches a block that forgets the scope (another department's request, quota, bill or
    incident on the page) and a quota meter whose warning is colour only."""
    scene = city(session)
    html = _home(client, scene, Role.DEPARTMENT_USER)
    assert _blocks(html) == ["requests", "quotas", "bill", "incidents"]
    own = _block(html, "requests")
    assert f'id="home-request-{scene.waiting.id}"' in own
    assert f'id="home-request-{scene.approved.id}"' in own
    assert "other waiting" not in html
    assert "other approved" not in html
    assert 'data-state="submitted"' in own
    assert "/requests?state=approved" in own

    quotas = _block(html, "quotas")
    code = scene.world.own.code
    assert re.search(rf'data-level="near" data-quota="{code}/extranet/vcpu"', quotas)
    assert re.search(rf'data-level="full" data-quota="{code}/extranet/memory_gib"', quotas)
    assert re.search(rf'data-level="ok" data-quota="{code}/extranet/storage_gib"', quotas)
    assert "接近配额（已达 80% 或以上）" in quotas  # the warnings say it in words
    assert "已达或超出配额" in quotas
    assert scene.world.other.code not in quotas
    assert '<span class="count" data-count="2">' in quotas  # two quotas need attention

    bill = _block(html, "bill")
    assert scene.invoice.number in bill
    assert "¥12,345.60" in bill
    assert scene.invoice_other.number not in html
    assert "支出已达预算的 100%" in bill

    incidents = _block(html, "incidents")
    assert f'id="home-incident-{scene.incident.id}"' in incidents
    assert f'id="home-incident-{scene.incident_other.id}"' not in html


def test_department_admin_sees_what_awaits_its_signature(
    client: TestClient, session: Session
) -> None:
    """Catches an approvals block that lists every submitted request in reach instead of those
    whose next signature is this admin's: one it already signed waits for the office now."""
    scene = city(session)
    for row in session.scalars(select(Quota).where(Quota.department_id == scene.world.own.id)):
        row.limit *= 10  # room for one more request
    signed = rf.request(session, scene.user(Role.DEPARTMENT_USER), submit=True, title="signed")
    decisions.approve_request(
        session,
        scope=Scope.everything(),
        user=scene.user(Role.DEPARTMENT_ADMIN),
        request_id=signed.id,
    )
    session.commit()
    html = _home(client, scene, Role.DEPARTMENT_ADMIN)
    assert _blocks(html) == _expected(Role.DEPARTMENT_ADMIN)
    waiting = _block(html, "approvals")
    assert f'id="home-approval-{scene.waiting.id}"' in waiting
    assert f'id="home-approval-{signed.id}"' not in waiting  # the office's turn
    assert f'id="home-approval-{scene.waiting_other.id}"' not in waiting
    assert 'href="/approvals"' in waiting


def test_operator_sees_approvals_unplaced_racks_jobs_incidents_and_stacks(
    client: TestClient, session: Session
) -> None:
    """Catches a rack within budget listed as over it, an unplaced list that forgets a
    department, and a failed job or stale stack left off."""
    scene = city(session)
    decisions.approve_request(  # the other department's admin signs: the office is next
        session, scope=Scope.everything(), user=scene.other_admin, request_id=scene.waiting_other.id
    )
    session.commit()
    html = _home(client, scene, Role.OPERATOR)
    assert _blocks(html) == ["approvals", "unplaced", "racks", "failed_jobs", "incidents", "stacks"]
    approvals = _block(html, "approvals")
    assert f'id="home-approval-{scene.waiting_other.id}"' in approvals
    assert f'id="home-approval-{scene.waiting.id}"' not in approvals  # its admin's turn
    unplaced = _block(html, "unplaced")
    for request in (scene.approved, scene.approved_other):
        assert f'id="home-unplaced-{request.id}"' in unplaced
    assert f'id="home-unplaced-{scene.waiting.id}"' not in unplaced
    racks = _block(html, "racks")
    assert f'id="home-rack-{scene.rack_over.id}"' in racks
    assert f'id="home-rack-{scene.rack_fine.id}"' not in racks
    assert "功率 0.800 kW / 预算 0.50 kW（160.0%）" in racks
    assert f'href="/jobs/{scene.failed_job.id}"' in _block(html, "failed_jobs")
    incidents = _block(html, "incidents")
    assert f"home-incident-{scene.incident.id}" in incidents
    assert f"home-incident-{scene.incident_other.id}" in incidents
    stacks = _block(html, "stacks")
    assert f'id="home-stack-{scene.world.own.id}"' in stacks
    assert f'id="home-stack-{scene.world.other.id}"' in stacks


def _finished(session: Session, job_id: str, timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.rollback()  # see what the runner committed
        job = session.get(Job, job_id)
        if job is not None and job.status.finished:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_auditor_home_shows_the_last_verification_after_the_button_runs_one(
    client: TestClient, session: Session
) -> None:
    """Catches a verify button that does not submit a job (or not of the audit kind), and a
    home that shows a verification before any has finished."""
    scene = city(session)
    html = _home(client, scene, Role.AUDITOR)
    assert _blocks(html) == ["audit"]
    audit = _block(html, "audit")
    assert 'href="/audit"' in audit
    assert "哈希链尚未校验" in audit
    assert "home-request-" not in html
    assert "home-incident-" not in html
    token = csrf_in(client.get("/audit").text)
    response = client.post("/audit/verify", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/jobs/")
    job = _finished(session, job_id)
    assert job.kind == VERIFY_KIND
    assert job.created_by == scene.user(Role.AUDITOR).username
    assert client.get(f"/jobs/{job_id}").status_code == 200
    audit = _block(client.get("/").text, "audit")
    assert 'data-ok="true"' in audit
    assert f'href="/jobs/{job_id}"' in audit


def test_finance_sees_the_close_its_invoices_and_budget_alerts(
    client: TestClient, session: Session
) -> None:
    """Catches a close state read from the wrong month and totals that drop a department."""
    scene = city(session)
    html = _home(client, scene, Role.FINANCE)
    assert _blocks(html) == ["close", "approvals"]
    close = _block(html, "close")
    assert f'data-closed="true">{scene.due_month:%Y-%m}' in close
    assert "已出具 2 张账单，合计 ¥13,122.60" in close
    assert 'href="/billing/finance"' in close
    assert "已达预算的 100%（¥12,345.60）" in close


def test_finance_home_before_any_close_says_what_to_do(
    client: TestClient, session: Session
) -> None:
    world = factories.world(session)
    sign_in(client, world.users[Role.FINANCE])
    close = _block(client.get("/").text, "close")
    assert 'data-closed="false"' in close
    assert "尚无已结账月份" in close
    assert "没有符合" not in close


def test_manager_sees_drafts_awaiting_sign_off_and_flagged_providers(
    client: TestClient, session: Session
) -> None:
    """Catches a signed assessment counted as awaiting sign-off, and a flag not shown."""
    scene = city(session)
    html = _home(client, scene, Role.MANAGER)
    assert _blocks(html) == ["assessment", "close", "incidents"]
    assessment = _block(html, "assessment")
    assert scene.quarter in assessment
    assert f'id="home-draft-{scene.draft.id}"' in assessment
    assert f'id="home-draft-{scene.signed_other.id}"' not in assessment
    assert f'id="home-flagged-{scene.own_provider.id}"' in assessment
    assert f'id="home-flagged-{scene.other_provider.id}"' not in assessment
    assert '<span class="count" data-count="1">' in assessment
    assert 'href="/billing"' in _block(html, "close")  # no close button for a manager


def test_provider_sees_its_own_incidents_breaches_and_settlement_only(
    client: TestClient, session: Session
) -> None:
    """Catches provider data leaking across providers: the other's incident, SLO breach,
    settlement or signed grade on this provider's home."""
    scene = city(session)
    sign_in(client, scene.provider_rep)
    html = client.get("/").text
    assert _blocks(html) == ["incidents", "breaches", "settlement"]
    assert f'id="home-incident-{scene.incident.id}"' in html
    assert f'id="home-incident-{scene.incident_other.id}"' not in html
    breaches = _block(html, "breaches")
    assert f'id="home-breach-{scene.breach.id}"' in breaches
    assert f'id="home-breach-{scene.breach_other.id}"' not in breaches
    settlement = _block(html, "settlement")
    assert "¥1,000.00" in settlement
    assert "¥2,222.00" not in html
    assert 'id="home-grade"' not in settlement  # the only signed grade is the other's


@pytest.mark.parametrize("role", [Role.DEPARTMENT_USER, Role.OPERATOR, Role.PROVIDER_REP])
def test_empty_homes_say_what_to_do_next(client: TestClient, session: Session, role: Role) -> None:
    """A city with nothing in it yet: every block shows its empty state, none a 500."""
    world = factories.world(session)
    sign_in(client, world.users[role])
    html = client.get("/").text
    assert _blocks(html) == _expected(role)
    for name in _blocks(html):
        if name not in ("stacks",):
            assert 'class="empty"' in _block(html, name), name


def test_demo_city_homes_have_something_for_every_role_but_the_auditor(
    client: TestClient, session: Session
) -> None:
    """The demo users' homes, from the real demo loader: each renders its role's blocks, and
    each role (the auditor before any verification aside) finds at least one block with rows.
    Catches a block that breaks on real data the factories do not make."""
    from portal_api import demo

    logins = demo.load(session)
    session.commit()
    rows = ('id="home-request-', 'id="home-approval-', "data-level=", 'id="home-invoice"',
            'id="home-incident-', 'id="home-unplaced-', 'id="home-rack-', 'id="home-job-',
            'id="home-stack-', 'id="home-draft-', 'id="home-breach-', 'id="home-settlement"',
            "已出具")  # fmt: skip
    for login in logins:
        user = session.scalars(select(User).where(User.username == login.username)).one()
        client.cookies.clear()
        sign_in(client, user, login.password)
        html = client.get("/").text
        assert _blocks(html) == _expected(login.role), login.username
        filled = [n for n in _blocks(html) if any(r in _block(html, n) for r in rows)]
        if login.role is not Role.AUDITOR:
            assert filled, login.username


def test_auditor_home_names_the_first_broken_entry_of_a_tampered_chain(
    client: TestClient, session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Catches a home that reports "intact" from a job that ran, whatever it found."""
    world = factories.world(session)
    with session_scope(session_factory) as raw, guard.suspended(raw.connection()):
        raw.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3"))
    token = sign_in(client, world.users[Role.AUDITOR])
    response = client.post("/audit/verify", data={"csrf": token}, follow_redirects=False)
    _finished(session, response.headers["location"].removeprefix("/jobs/"))
    audit = _block(client.get("/").text, "audit")
    assert 'data-ok="false"' in audit
    assert "哈希链已损坏" in audit
    assert "首个损坏记录：3" in audit
    assert 'id="last-verification"' in client.get("/audit").text

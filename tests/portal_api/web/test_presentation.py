"""What the pages print: times in the display zone with their offset, money as yuan, request
history verbs and contract terms in the page's language, English names on English pages, and
the language picked on the sign-in page kept after signing in."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.settings import Settings
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from infra.tenancy.requests.enums import RequestEvent
from portal_api.web import cookies, i18n
from tests import factories
from tests import request_factories as rf
from tests.cli import run_cli
from tests.portal_api.web.conftest import csrf_in, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[3]


# -- times -------------------------------------------------------------------------------------


def test_a_stored_utc_time_is_shown_in_the_display_zone_with_its_offset() -> None:
    """Catches: pages printing UTC (03:04) as if it were local, or a zone name like ``CST``
    that a reader could take for US Central."""
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    chinese = i18n.format_time(at, "zh_CN", SHANGHAI)
    assert chinese == "2026年1月2日 11:04:05 UTC+08:00"
    assert i18n.format_time(at, "en", SHANGHAI) == "Jan 2, 2026, 11:04:05\u202fAM UTC+08:00"
    # Another zone, another offset (west of Greenwich, and a different calendar day).
    new_york = i18n.format_time(at, "en", ZoneInfo("America/New_York"), "short")
    assert new_york.endswith("UTC-05:00")
    assert "1/1/26" in new_york
    # A naive value is UTC by the database's convention, never the machine's zone.
    assert i18n.format_time(at.replace(tzinfo=None), "zh_CN", SHANGHAI) == chinese
    assert i18n.format_local_date(dt.datetime(2026, 1, 1, 20, tzinfo=dt.UTC), "en", SHANGHAI) == (
        "Jan 2, 2026"
    )


def test_an_unknown_display_zone_is_a_configuration_error(tmp_path: Path) -> None:
    """Catches: a misspelt zone silently falling back to UTC, or a traceback from the CLI."""
    with pytest.raises(ValidationError, match="GOVCLOUD_DISPLAY_TIMEZONE: unknown time zone"):
        Settings(demo=True, display_timezone="Asia/Shanghia")
    assert Settings(demo=True).display_timezone == "Asia/Shanghai"
    result = run_cli(
        f"sqlite:///{tmp_path}/never.db",
        "db",
        "check",
        env={"GOVCLOUD_DEMO": "1", "GOVCLOUD_DISPLAY_TIMEZONE": "Mars/Olympus"},
    )
    assert result.exit_code == 2, result.output
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert "Traceback" not in result.output


def _history_times(html: str) -> list[str]:
    return re.findall(r'<li>([^<·]+) · [^<]+ · <span data-action="', html)


def test_request_history_shows_local_times_and_translated_verbs(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches: history times in UTC, and raw audit verbs (``submit``) on the pages."""
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)
    made = rf.request(session, world.users[Role.DEPARTMENT_USER], rf.item(vcpu=2), submit=True)
    entries = list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "resource_request", AuditEntry.entity_id == str(made.id))
            .order_by(AuditEntry.seq)
        )
    )
    assert [e.action for e in entries] == ["create", "submit"]
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get(f"/requests/{made.id}").text
    expected = [i18n.format_time(e.at, "zh_CN", SHANGHAI) for e in entries]
    assert [t.strip() for t in _history_times(page)] == expected
    assert "UTC+08:00" in page
    assert ">已提交申请单</span>" in page
    assert ">已提交审批</span>" in page
    assert ">submit</span>" not in page
    assert f"<dd>{i18n.format_money(made.estimated_monthly_cost, 'zh_CN')}</dd>" in page
    assert "¥" in page
    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/"})
    english = client.get(f"/requests/{made.id}").text
    assert ">Filed</span>" in english
    assert ">Submitted for approval</span>" in english
    assert "CN¥" in english


def test_the_display_zone_setting_reaches_the_pages(
    session: Session, world: factories.World, shared_engine: Engine
) -> None:
    """Catches: a setting that is validated but never used (pages stuck on one zone)."""
    from infra.database import session_factories
    from portal_api.app import create_app

    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)
    made = rf.request(session, world.users[Role.DEPARTMENT_USER], rf.item(vcpu=2))
    settings = Settings(demo=True, display_timezone="America/New_York")
    app = create_app(settings, session_factories(shared_engine)[1], subscriptions=())
    with TestClient(app) as client:
        sign_in(client, world.users[Role.DEPARTMENT_USER])
        page = client.get(f"/requests/{made.id}").text
    assert "UTC-05:00" in page or "UTC-04:00" in page
    assert "UTC+08:00" not in page


# -- money -------------------------------------------------------------------------------------


def test_money_is_yuan_with_the_locales_separators_and_never_a_float() -> None:
    """Catches: bare numbers for amounts, floats that already lost the fen."""
    assert i18n.format_money(Decimal("1234567.8"), "zh_CN") == "¥1,234,567.80"
    assert i18n.format_money(Decimal("1234567.8"), "en") == "CN¥1,234,567.80"
    assert i18n.format_money(Decimal("-12"), "zh_CN") == "-¥12.00"
    assert i18n.format_money(Decimal("0.001234"), "zh_CN", 6) == "¥0.001234"
    assert i18n.format_money(None, "en") == "—"
    with pytest.raises(TypeError, match="Decimal"):
        i18n.format_money(0.1, "zh_CN")  # type: ignore[arg-type]


def test_no_page_prints_an_amount_without_the_money_filter() -> None:
    """Catches: a template printing a cost, fee, price or amount field bare or as |number
    (machine-readable ``data-*`` attributes and fee *factors* excepted)."""
    expression = re.compile(r"(data-[\w-]+=\")?\{\{(.*?)\}\}")
    money_field = re.compile(r"\.\w*(amount|total|cost|price|fee|spent|unallocated|recovered)\w*\b")
    offenders = []
    for path in sorted((REPO / "portal_api" / "web" / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for found in expression.finditer(line):
                attribute, body = found.group(1), found.group(2)
                fields = [m.group(0) for m in money_field.finditer(body)]
                fields = [f for f in fields if "factor" not in f and "total[" not in body]
                counted = body.strip().startswith("_(")  # "Showing 1–20 of %(total)s"
                if fields and not attribute and not counted and "|money" not in body:
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {found.group(0)}")
    assert not offenders, offenders


# -- labels, names, language -----------------------------------------------------------------


def test_every_audit_verb_recorded_about_a_request_has_a_label() -> None:
    """Catches: a new ``record(action="…", entity=ENTITY)`` whose verb the history would show
    raw; the labels themselves are checked for Chinese by test_i18n."""
    pattern = re.compile(r'action="(\w+)",\s*entity=(?:ENTITY|"resource_request")')
    found: set[str] = set()
    for folder in ("infra/tenancy/requests", "infra/migration", "infra/placement"):
        for path in (REPO / folder).rglob("*.py"):
            found.update(pattern.findall(path.read_text()))
    assert {"create", "sign", "remind", "unplaced", "renew", "adopt"} <= found
    assert found <= {e.value for e in RequestEvent}, found - {e.value for e in RequestEvent}


def test_english_pages_show_english_names_of_departments_and_providers(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches: pages printing ``department.name`` / ``provider.name`` whatever the language."""
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)  # has a stack
    world.own.name_en = "Public Security Bureau"
    provider = world.provider
    assert provider is not None
    provider.name_en = "Tianyi Cloud"
    session.commit()
    csrf = sign_in(client, world.users[Role.OPERATOR])
    chinese = client.get("/stacks").text
    assert world.own.name in chinese
    assert "Public Security Bureau" not in chinese
    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/"})
    assert "Public Security Bureau" in client.get("/stacks").text
    assert f"Tianyi Cloud ({provider.code})" in client.get("/users/new").text
    contracts = client.get("/inventory/contracts").text  # its provider filter names them
    assert f'<option value="{provider.id}">Tianyi Cloud</option>' in contracts


def _choose_english_then_sign_in(client: TestClient, user: User) -> None:
    token = csrf_in(client.get("/login").text)
    chosen = client.post("/lang", data={"csrf": token, "locale": "en", "next": "/login"})
    assert chosen.status_code == 200
    assert '<html lang="en">' in chosen.text
    signed = client.post(
        "/login",
        data={"csrf": token, "username": user.username, "password": factories.PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def test_the_language_chosen_on_the_sign_in_page_is_kept_after_signing_in(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches: sign-in overwriting the visitor's choice with the account's saved language."""
    user = world.users[Role.OPERATOR]
    assert user.locale == "zh_CN"
    _choose_english_then_sign_in(client, user)
    assert client.cookies[cookies.LANG_COOKIE] == "en"
    home = client.get("/quotas").text
    assert '<html lang="en">' in home
    assert "<h1>Quotas</h1>" in home
    session.expire_all()
    assert session.get_one(User, user.id).locale == "en"  # and on the next device too
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert entry.after == {"locale": "en"}


def test_without_a_choice_the_accounts_saved_language_is_used(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches: the browser's Accept-Language (not a choice) overwriting the saved language."""
    user = world.users[Role.OPERATOR]
    user.locale = "en"
    session.commit()
    sign_in(client, user)  # no lang cookie; the login page was Chinese (the default)
    assert '<html lang="en">' in client.get("/quotas").text
    session.expire_all()
    assert session.get_one(User, user.id).locale == "en"

"""Refusals that forms can reach carry a code and params (issue 10): each real raise site
below is triggered, and its code must have a msgid translated in zh_CN whose placeholders are
exactly the params the raiser passes; Chinese pages then show those refusals in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import StrEnum

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import portal_api.app  # noqa: F401  (imports every domain, so every code is declared)
from billing.invoices.flows import check_closable
from infra.database import utcnow
from infra.errors import MESSAGES, GovcloudError, InvalidInput
from infra.tenancy import accounts
from infra.tenancy import service as tenancy
from infra.tenancy.enums import DepartmentKind, Role
from infra.tenancy.passwords import password_refusal
from infra.tenancy.requests import decisions, rules, running
from infra.tenancy.schemas import DepartmentCreate, DepartmentUpdate, UserCreate
from infra.tenancy.scope import Scope
from monitoring.assessment.quarters import quarter_period
from monitoring.incidents import service as incidents
from portal_api.web import i18n, messages
from tests import factories
from tests.monitoring import factories as mf
from tests.portal_api.web.conftest import csrf_in, sign_in
from tests.portal_api.web.test_forms import _field_error
from tests.portal_api.web.test_i18n import load_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
EVERYTHING = Scope.everything()
SYSTEM = factories.SYSTEM
TODAY = dt.date(2026, 11, 30)
Raiser = Callable[[Session, factories.World], object]


def _department(kind: DepartmentKind, parent_id: int | None) -> Raiser:
    data = DepartmentCreate(code="water", name="水务局", kind=kind, parent_id=parent_id)
    return lambda s, w: tenancy.create_department(s, data=data, actor=SYSTEM)


def _user(role: Role, **ids: int | None) -> Raiser:
    data = UserCreate(
        username="new.user", display_name="新用户", password="Lantern-Quartz-19", role=role, **ids
    )
    return lambda s, w: accounts.create_user(s, scope=EVERYTHING, data=data, actor=SYSTEM)


def _password(password: str, username: str = "li.wei") -> Raiser:
    def raiser(_s: Session, _w: factories.World) -> None:
        refusal = password_refusal(password, username=username)
        assert refusal is not None
        raise InvalidInput(refusal)

    return raiser


def _incident(twice: Callable[..., object], first: Callable[..., object]) -> Raiser:
    def raiser(session: Session, w: factories.World) -> None:
        provider = mf.provider(session)
        service = mf.service(session, dept=w.own, prov=provider)
        row = incidents.open_from_probe(session, service=service, error="timeout", at=utcnow())
        assert row is not None
        own = Scope.provider(provider.id)  # only the provider's representatives handle it
        first(session, incident_id=row.id, actor=SYSTEM, scope=own)
        twice(session, incident_id=row.id, actor=SYSTEM, scope=own)

    return raiser


def _term(**dates: dt.date | None) -> Raiser:
    args = {"wanted_by": None, "ends_on": None, **dates}
    return lambda s, w: rules.check_term(**args, today=TODAY)


RAISE_SITES: dict[str, tuple[Raiser, str]] = {
    "department needs a parent": (_department(DepartmentKind.DEPARTMENT, None), "needs_parent"),
    "city has no parent": (_department(DepartmentKind.CITY, 1), "has_no_parent"),
    "parent does not exist": (_department(DepartmentKind.DEPARTMENT, 999_999), "not_found_named"),
    "department name emptied": (
        lambda s, w: tenancy.update_department(
            s,
            scope=EVERYTHING,
            department_id=w.own.id,
            data=DepartmentUpdate.model_validate({"name": None}),
            actor=SYSTEM,
        ),
        "required",
    ),
    "department still in use": (
        lambda s, w: tenancy.delete_department(
            s, scope=EVERYTHING, department_id=w.city.id, actor=SYSTEM
        ),
        "in_use",
    ),
    "user without department": (_user(Role.DEPARTMENT_USER), "role_needs_department"),
    "operator in a department": (_user(Role.OPERATOR, department_id=1), "role_without_department"),
    "rep without provider": (_user(Role.PROVIDER_REP), "role_needs_provider"),
    "rep of no provider": (_user(Role.PROVIDER_REP, provider_id=999_999), "not_found_named"),
    "short password": (_password("Short-1"), "at_least_chars"),
    "password has username": (_password("li.wei-Quartz-19"), "password_has_username"),
    "well-known password": (_password("password1234"), "password_common"),
    "wanted in the past": (_term(wanted_by=TODAY - dt.timedelta(days=1)), "not_in_past"),
    "ends today": (_term(ends_on=TODAY), "after_date"),
    "term too long": (_term(ends_on=TODAY + dt.timedelta(days=5000)), "at_most_days"),
    "rejection without reason": (
        lambda s, w: decisions.reject_request(
            s, scope=EVERYTHING, user=w.users[Role.OPERATOR], request_id=1, reason=" "
        ),
        "at_least_chars",
    ),
    "activation reason too long": (
        lambda s, w: running.activate_by_hand(
            s, scope=EVERYTHING, actor=SYSTEM, request_id=1, reason="x" * 2001
        ),
        "at_most_chars",
    ),
    "incident acknowledged twice": (
        _incident(incidents.acknowledge, incidents.acknowledge),
        "incident_not_open",
    ),
    "incident resolved twice": (
        _incident(incidents.resolve, incidents.resolve),
        "incident_resolved",
    ),
    "quarter misspelt": (lambda s, w: quarter_period("2026-Q3"), "quarter_format"),
    "closing a month not over": (
        lambda s, w: check_closable(dt.date(2099, 1, 1)),
        "billing.period.not_over",
    ),
}


@pytest.mark.parametrize("case", list(RAISE_SITES))
def test_a_converted_raise_site_is_said_in_chinese(
    case: str, session: Session, world: factories.World
) -> None:
    """Catches a raise site that passes no code (English on Chinese pages), a msgid missing
    from the zh_CN catalog, and params that do not fill the msgid's placeholders (``say``
    would fall back to English)."""
    raiser, code = RAISE_SITES[case]
    with pytest.raises(GovcloudError) as caught:
        raiser(session, world)
    exc = caught.value
    problems = [(p.code, p.message, p.params) for p in exc.field_problems()]
    if not isinstance(exc, InvalidInput):
        problems.append((exc.code, exc.message, exc.params))
    assert code in {c for c, _m, _p in problems}, problems
    chinese, zh = load_catalog("zh_CN"), i18n.translations("zh_CN").gettext
    for said_code, english, params in problems:
        msgid = MESSAGES[said_code]
        translated = chinese.get(msgid)
        assert translated is not None, f"{msgid!r} not in zh_CN"
        assert translated.string, f"{msgid!r} untranslated in zh_CN"
        assert set(PLACEHOLDER.findall(msgid)) == set(params), (msgid, params)
        assert set(PLACEHOLDER.findall(str(translated.string))) == set(params)
        text = messages.say(said_code, english, params, zh)
        assert text != english
        for value in params.values():  # names and numbers stay as typed; labels are translated
            text = text if isinstance(value, StrEnum) else text.replace(str(value), "")
        assert not re.search(r"[A-Za-z]{4,}", text), text  # no English left


# -- the refusals on Chinese pages, beside their fields ----------------------------------------


def test_department_form_says_a_missing_parent_in_chinese(
    client: TestClient, world: factories.World
) -> None:
    """Catches the parent refusal shown in English on the Chinese department form."""
    csrf = sign_in(client, world.users[Role.OPERATOR])
    data = {"csrf": csrf, "code": "water", "name": "水务局", "name_en": ""}
    refused = client.post(
        "/departments/new", data={**data, "kind": "department", "parent_id": "999999"}
    )
    assert refused.status_code == 422
    assert _field_error(refused.text, "parent_id") == "没有部门 999999。"
    section = client.post(
        "/departments/new", data={**data, "kind": "section", "parent_id": str(world.city.id)}
    )
    assert _field_error(section.text, "parent_id") == (
        f"类型为“处室”的单位，其上级必须是“部门”类型；部门 {world.city.id} 是“市级”类型。"
    )
    assert "does not exist" not in refused.text


def test_user_form_says_a_missing_department_in_chinese(
    client: TestClient, world: factories.World
) -> None:
    """Catches the membership refusal shown in English on the Chinese user form."""
    csrf = sign_in(client, world.users[Role.OPERATOR])
    form = {
        "csrf": csrf,
        "username": "zhang.san",
        "display_name": "张三",
        "password": "Lantern-Quartz-19",
        "role": "department_user",
        "department_id": "",
        "provider_id": "",
        "locale": "zh_CN",
    }
    refused = client.post("/users/new", data=form)
    assert refused.status_code == 422
    assert _field_error(refused.text, "department_id") == "“部门用户”必须属于某个部门。"
    assert "must belong" not in refused.text


def test_handling_a_handled_incident_is_refused_in_chinese(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches the "incident N is acknowledged, not open" English refusal on a Chinese page."""
    provider = mf.provider(session)
    service = mf.service(session, dept=world.own, prov=provider)
    row = incidents.open_from_probe(session, service=service, error="timeout", at=utcnow())
    assert row is not None
    rep = factories.user(session, role=Role.PROVIDER_REP)
    rep.provider_id = provider.id
    session.commit()
    sign_in(client, rep)
    token = csrf_in(client.get(f"/monitoring/incidents/{row.id}").text)
    url = f"/monitoring/incidents/{row.id}/acknowledge"
    assert client.post(url, data={"csrf": token}, follow_redirects=False).status_code == 303
    again = client.post(url, data={"csrf": token}, follow_redirects=False)
    assert again.status_code == 409
    said = "只能受理未处理的事件：此事件已被受理。"
    assert f"<li><code>status</code>: {said}</li>" in again.text
    assert "not open" not in again.text


def test_closing_a_month_not_over_is_refused_in_chinese(
    client: TestClient, world: factories.World
) -> None:
    """Catches the close page starting a job bound to fail, or refusing in English."""
    csrf = sign_in(client, world.users[Role.FINANCE])
    refused = client.post(
        "/billing/finance/close", data={"csrf": csrf, "month": "2099-01"}, follow_redirects=False
    )
    assert refused.status_code == 409
    said = "2099-01 尚未结束：请在该月最后一天之后结账。"
    assert f"<li><code>month</code>: {said}</li>" in refused.text
    assert "has not ended" not in refused.text


def test_a_refused_role_is_said_in_the_pages_language(
    client: TestClient, world: factories.World
) -> None:
    """Catches the 403 page saying "role: a department_user may not use user:write" in English
    on a Chinese page (the crawler found it on the provider's rack links)."""
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    refused = client.get("/users/new")
    assert refused.status_code == 403
    role = i18n.translations("zh_CN").gettext("Department user")
    assert f"您的角色（{role}）无权进行此操作。" in refused.text
    assert "may not use" not in refused.text
    client.post("/lang", data={"csrf": csrf_in(client.get("/").text), "locale": "en"})
    english = client.get("/users/new")
    assert "Your role (Department user) may not do this." in english.text

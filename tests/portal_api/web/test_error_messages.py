"""Domain errors said in the page's language: every code's msgid is translated, the quota
refusal reads in Chinese on the Chinese request form beside the fields it concerns, and name
clashes are said beside the name."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import portal_api.app  # noqa: F401  (imports every domain, so every code is declared)
from infra.audit.service import count_entries
from infra.errors import MESSAGES, Conflict, InvalidInput, NameTaken
from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import ResourceClass, Role
from infra.tenancy.requests.exceptions import QuotaExceeded, Shortfall
from infra.tenancy.requests.models import ResourceRequest
from portal_api.web import forms, i18n, messages
from tests import factories
from tests import request_factories as rf
from tests.portal_api.web.conftest import sign_in
from tests.portal_api.web.test_forms import _field_error, reread
from tests.portal_api.web.test_i18n import load_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)s")

FORM = {
    "title": "网上办事大厅",
    "justification": "迁移旧机房的网上办事系统",
    "wanted_by": "",
    "ends_on": "",
    "items-0-name": "web",
    "items-0-count": "3",
    "items-0-vcpu": "4",
    "items-0-memory_gib": "16",
    "items-0-storage_gib": "100",
    "items-0-public_ip": "",
    "items-0-bandwidth_mbps": "",
    "items-0-zone": "extranet",
    "items-0-mlps_level": "2",
    "items-0-anti_affinity_group": "web",
    "submit": "1",
}


def unsaid(messages: Mapping[str, str]) -> list[str]:
    """Codes whose msgid lacks a zh_CN translation or an en entry, or whose translation
    drops or invents a placeholder."""
    chinese, english = load_catalog("zh_CN"), load_catalog("en")

    def said(msgid: str) -> bool:
        zh = chinese.get(msgid)
        if zh is None or not zh.string or zh.fuzzy or english.get(msgid) is None:
            return False
        return set(PLACEHOLDER.findall(str(zh.string))) == set(PLACEHOLDER.findall(msgid))

    return [code for code, msgid in sorted(messages.items()) if not said(msgid)]


def test_every_error_code_is_said_in_both_languages() -> None:
    assert {"quota_exceeded", "over_quota", "quota_exists", "name_taken"} <= set(MESSAGES)
    assert not unsaid(MESSAGES), "add these msgids to both catalogs"


def test_the_catalog_check_can_fail() -> None:
    made_up = {"made_up": "A refusal nobody translated.", "dropped": "%(value)s is taken"}
    made_up["quota_exists"] = MESSAGES["quota_exists"].replace("%(zone)s", "%(zones)s")
    assert unsaid(made_up) == ["dropped", "made_up", "quota_exists"]


def test_say_falls_back_to_english_when_it_cannot_say_it() -> None:
    chinese = i18n.translations("zh_CN").gettext
    taken = NameTaken("code", "a department with code 'water' already exists", value="water")
    assert (
        messages.say(taken.code, taken.message, taken.params, chinese)
        == "“water”已被占用，请另选一个。"
    )
    assert messages.say("name_taken", "english", {}, chinese) == "english"  # params missing
    plain = Conflict("name", "still in use")
    assert messages.say(plain.code, plain.message, plain.params, chinese) == "name: still in use"


def test_the_quota_refusal_marks_the_field_of_each_resource_over() -> None:
    shortfall = Shortfall("water", ResourceClass.VCPU, NetworkZone.EXTRANET, 10, 2, 3, 8)
    exc = QuotaExceeded([shortfall])
    state = forms.FormState(values={"vcpu": "8", "memory_gib": "1"})
    assert forms.record_error(state, exc, i18n.translations("zh_CN").gettext) == 409
    assert state.errors["vcpu"] == [
        "超出配额 3：water 在电子政务外网最多可用 10，已用 2，已预留 3，本次申请 8。"
    ]
    assert "memory_gib" not in state.errors
    assert state.general == ["申请超出了本部门的配额：超出的数量已标出。"]
    assert state.marked
    lone = forms.FormState(values={})  # a form without the field: said with the form
    forms.record_error(lone, InvalidInput.one("count", "between 1 and 50"), str)
    assert lone.general == ["between 1 and 50"]
    assert not lone.marked


def test_the_quota_refusal_on_the_chinese_request_form(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches the refusal shown in English on the Chinese page, and "please correct the
    marked fields" with no field marked."""
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    form = {**FORM, "csrf": csrf, "department_id": str(world.own.id)}
    audited = count_entries(session)
    refused = client.post("/requests/new", data=form)
    assert refused.status_code == 409
    reread(session)
    assert session.scalar(select(func.count()).select_from(ResourceRequest)) == 0
    assert count_entries(session) == audited  # the form-POST helper wrote nothing
    html = refused.text
    assert _field_error(html, "items-0-vcpu") == (
        f"超出配额 2：{world.own.code} 在电子政务外网最多可用 10，已用 0，已预留 0，本次申请 12。"
    )
    assert re.search(r'id="f-items-0-vcpu"[^>]*aria-invalid="true"', html, re.S)
    assert 'id="items-0-memory_gib-error"' not in html  # what fits is not marked
    assert "请修改标出的字段。" in html
    assert "申请超出了本部门的配额" in html
    assert "quota exceeded" not in html  # no English on the Chinese page
    assert 'value="网上办事大厅"' in html  # what was typed is kept

    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/requests/new"})
    english = client.post("/requests/new", data=form).text
    assert _field_error(english, "items-0-vcpu") == (
        f"2 over the quota: {world.own.code} may hold 10 in E-government extranet, with 0 in "
        "use, 0 reserved and 12 requested."
    )


def test_a_taken_name_is_said_beside_it(
    client: TestClient, session: Session, world: factories.World
) -> None:
    csrf = sign_in(client, world.users[Role.OPERATOR])
    data = {
        "csrf": csrf,
        "code": world.own.code,
        "name": "水务局",
        "name_en": "",
        "kind": "department",
        "parent_id": str(world.city.id),
    }
    response = client.post("/departments/new", data=data)
    assert response.status_code == 409
    assert _field_error(response.text, "code") == f"“{world.own.code}”已被占用，请另选一个。"

"""Forms post back: errors re-render the form beside the field and write nothing; success
redirects to the list with a flash message, through the same services as the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.audit.service import count_entries
from infra.tenancy.enums import DepartmentKind, Role
from infra.tenancy.models import Department, Quota, User
from tests import factories
from tests.portal_api.web.conftest import sign_in


def reread(session: Session) -> None:
    """See what the requests committed: end the read snapshot and drop cached rows."""
    session.rollback()
    session.expire_all()


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'<div class="field-error" id="{name}-error">(.*?)</div>', html, re.S)
    assert found, f"no error shown beside {name}"
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip()


BAD_LIMITS = (
    ("abc", "请输入整数"),
    ("-5", "请输入不小于 0 的数"),
    ("", "请输入整数"),
    ("100001", "请输入不大于 100,000 的数"),  # the service's own rule, in the page's language
)


def test_quota_edit_with_a_bad_value_rerenders_and_writes_nothing(
    client: TestClient, session: Session, world: factories.World
) -> None:
    quota = factories.quota(session, dept=world.own, limit=64)
    audited = count_entries(session)
    csrf = sign_in(client, world.users[Role.OPERATOR])
    for value, message in BAD_LIMITS:
        response = client.post(f"/quotas/{quota.id}/edit", data={"csrf": csrf, "limit": value})
        assert response.status_code == 422, value
        assert message in _field_error(response.text, "limit"), value
        assert 'aria-invalid="true"' in response.text
        assert f'value="{value}"' in response.text  # what was typed is kept
    reread(session)
    assert session.get_one(Quota, quota.id).limit == 64
    assert count_entries(session) == audited


def test_quota_edit_saves_and_redirects_with_a_flash(
    client: TestClient, session: Session, world: factories.World
) -> None:
    quota = factories.quota(session, dept=world.own, limit=64)
    audited = count_entries(session)
    csrf = sign_in(client, world.users[Role.OPERATOR])
    response = client.post(
        f"/quotas/{quota.id}/edit", data={"csrf": csrf, "limit": "96"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/quotas"
    listing = client.get("/quotas").text
    assert "配额已保存" in listing
    assert 'data-value="96"' in listing  # the limit cell (list component)
    assert "配额已保存" not in client.get("/quotas").text  # a flash shows once
    reread(session)
    assert session.get_one(Quota, quota.id).limit == 96
    assert count_entries(session) == audited + 1


def test_quota_create_conflict_is_shown_beside_the_field(
    client: TestClient, session: Session, world: factories.World
) -> None:
    factories.quota(session, dept=world.own)
    csrf = sign_in(client, world.users[Role.OPERATOR])
    data = {
        "csrf": csrf,
        "department_id": str(world.own.id),
        "resource": "vcpu",
        "zone": "extranet",
        "limit": "8",
    }
    response = client.post("/quotas/new", data=data)
    assert response.status_code == 409
    assert _field_error(response.text, "resource") == (
        "该部门在电子政务外网已有虚拟 CPU（核）配额，请编辑那一条。"
    )
    intranet = client.post("/quotas/new", data={**data, "zone": "intranet"})
    assert intranet.status_code == 422
    assert _field_error(intranet.text, "zone") == "涉密的电子政务内网不承载共享云资源。"
    created = client.post("/quotas/new", data={**data, "zone": "internet"}, follow_redirects=False)
    assert created.status_code == 303
    reread(session)
    assert session.query(Quota).filter_by(department_id=world.own.id).count() == 2


def test_department_forms(client: TestClient, session: Session, world: factories.World) -> None:
    csrf = sign_in(client, world.users[Role.OPERATOR])
    data = {
        "csrf": csrf,
        "code": "water",
        "name": "水务局",
        "name_en": "",
        "kind": "department",
        "parent_id": "",
    }
    orphan = client.post("/departments/new", data=data)
    assert orphan.status_code == 422
    assert _field_error(orphan.text, "parent_id") == "类型为“部门”的单位需要一个“市级”类型的上级。"
    bad_code = client.post("/departments/new", data={**data, "code": "Water Bureau"})
    assert "格式不正确" in _field_error(bad_code.text, "code")
    created = client.post(
        "/departments/new", data={**data, "parent_id": str(world.city.id)}, follow_redirects=False
    )
    assert created.status_code == 303
    reread(session)
    water = session.query(Department).filter_by(code="water").one()
    assert (water.kind, water.parent_id, water.name_en) == (
        DepartmentKind.DEPARTMENT,
        world.city.id,
        None,
    )
    edit = {
        "csrf": csrf,
        "name": "市水务局",
        "name_en": "Water Bureau",
        "parent_id": str(world.city.id),
    }
    saved = client.post(f"/departments/{water.id}/edit", data=edit, follow_redirects=False)
    assert saved.status_code == 303
    reread(session)
    assert session.get_one(Department, water.id).name_en == "Water Bureau"
    tree = client.get("/departments").text.split("<table", 1)[1]
    assert tree.index(world.city.code) < tree.index("water")  # children follow their parent


def test_department_admin_cannot_grant_office_roles(
    client: TestClient, session: Session, world: factories.World
) -> None:
    csrf = sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    form = client.get("/users/new").text
    assert 'value="operator"' not in form
    data = {
        "csrf": csrf,
        "username": "new-clerk",
        "display_name": "New clerk",
        "password": "long-enough-password",
        "role": "operator",
        "department_id": str(world.own.id),
        "locale": "zh_CN",
    }
    refused = client.post("/users/new", data=data)
    assert refused.status_code == 403
    assert "long-enough-password" not in refused.text  # passwords are never echoed
    assert session.query(User).filter_by(username="new-clerk").count() == 0
    created = client.post(
        "/users/new", data={**data, "role": "department_user"}, follow_redirects=False
    )
    assert created.status_code == 303
    reread(session)
    clerk = session.query(User).filter_by(username="new-clerk").one()
    assert (clerk.role, clerk.department_id) == (Role.DEPARTMENT_USER, world.own.id)


def test_operator_creates_a_provider_rep_for_a_chosen_provider(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """The form offers the providers to the cloud office; a rep without one is refused on the
    provider field, and nothing is written."""
    assert world.provider is not None
    csrf = sign_in(client, world.users[Role.OPERATOR])
    form = client.get("/users/new").text
    assert f'<option value="{world.provider.id}"' in form
    data = {
        "csrf": csrf,
        "username": "new-rep",
        "display_name": "New rep",
        "password": "long-enough-password",
        "role": "provider_rep",
        "department_id": "",
        "provider_id": "",
        "locale": "zh_CN",
    }
    refused = client.post("/users/new", data=data)
    assert refused.status_code == 422
    assert 'id="f-provider_id"' in refused.text
    assert session.query(User).filter_by(username="new-rep").count() == 0
    created = client.post(
        "/users/new", data={**data, "provider_id": str(world.provider.id)}, follow_redirects=False
    )
    assert created.status_code == 303, created.text
    reread(session)
    rep = session.query(User).filter_by(username="new-rep").one()
    assert rep.provider_id == world.provider.id


def test_user_edit_changes_role_activity_and_password(
    client: TestClient, session: Session, world: factories.World
) -> None:
    target = world.users[Role.DEPARTMENT_USER]
    csrf = sign_in(client, world.users[Role.OPERATOR])
    data = {
        "csrf": csrf,
        "display_name": "Renamed",
        "role": "department_admin",
        "department_id": str(world.section.id),
        "locale": "en",
        "password": "",
    }
    saved = client.post(f"/users/{target.id}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/users"
    reread(session)
    row = session.get_one(User, target.id)
    assert (row.display_name, row.role, row.department_id, row.is_active, row.session_epoch) == (
        "Renamed",
        Role.DEPARTMENT_ADMIN,
        world.section.id,
        False,
        1,
    )  # the checkbox was left unticked: deactivated, sessions voided
    short = client.post(f"/users/{target.id}/edit", data={**data, "password": "short"})
    assert short.status_code == 422
    assert "请至少输入 12 个字符" in _field_error(short.text, "password")


def test_changing_ones_own_password_keeps_one_signed_in(
    client: TestClient, session: Session, world: factories.World
) -> None:
    me = world.users[Role.OPERATOR]
    csrf = sign_in(client, me)
    data = {
        "csrf": csrf,
        "display_name": me.display_name,
        "role": "operator",
        "department_id": "",
        "locale": "zh_CN",
        "is_active": "1",
        "password": "a-brand-new-password",
    }
    assert client.post(f"/users/{me.id}/edit", data=data, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    reread(session)
    assert session.get_one(User, me.id).session_epoch == 1

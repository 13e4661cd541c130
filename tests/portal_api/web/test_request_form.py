"""The request form: several machine shapes, rows added and removed by the server, and a
refused submission that comes back with everything typed (the "submit now" box included)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from infra.tenancy.requests.models import ResourceRequest
from tests import factories
from tests import request_factories as rf
from tests.portal_api.web.conftest import sign_in
from tests.portal_api.web.test_requests_pages import HEAD, row


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*?value="([^"]*)"', html, re.S)
    assert found, f"no field {name}"
    return found.group(1)


def _checked(html: str, name: str) -> bool:
    found = re.search(rf'<input id="f-{re.escape(name)}" name="{name}"[^>]*>', html, re.S)
    assert found, f"no checkbox {name}"
    return " checked" in found.group(0)


def test_a_refused_submission_keeps_every_value_and_the_submit_box(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches a form that drops what was typed on refusal (the "submit now" box once came
    back unticked) or loses the second row."""
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    form = {
        **HEAD,
        **row(0, name="web", count="2", vcpu="4"),
        **row(1, name="db", count="1", vcpu="8", anti_affinity_group="db"),
        "csrf": csrf,
        "department_id": str(world.own.id),
        "submit": "1",
    }
    refused = client.post("/requests/new", data=form)  # 16 vCPU against a quota of 10
    assert refused.status_code == 409
    page = refused.text
    assert f"{world.own.code} 在电子政务外网最多可用 10" in page  # said in the page's language
    assert _checked(page, "submit")
    assert _value(page, "title") == HEAD["title"]
    assert _value(page, "items-0-name") == "web"
    assert _value(page, "items-1-name") == "db"
    assert _value(page, "items-1-vcpu") == "8"
    assert _value(page, "items-1-anti_affinity_group") == "db"
    assert session.scalar(select(ResourceRequest.id)) is None  # nothing half-written

    bad_count = client.post("/requests/new", data={**form, "items-1-count": "51"})
    assert bad_count.status_code == 422
    assert 'id="items-1-count-error"' in bad_count.text
    assert "请输入 1 到 50 之间的数字。" in bad_count.text
    assert _checked(bad_count.text, "submit")


def test_machine_shapes_are_added_removed_and_filed_as_items(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches rows lost on add/remove and a filing that ignores every row but the first."""
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    base = {**HEAD, **row(0, name="web"), "csrf": csrf, "department_id": str(world.own.id)}
    added = client.post("/requests/new", data={**base, "add_row": "1"})
    assert added.status_code == 200
    assert 'id="row-1"' in added.text
    assert _value(added.text, "items-0-name") == "web"
    three = {**base, **row(1, name="db", count="1"), **row(2, name="cache", count="1")}
    removed = client.post("/requests/new", data={**three, "remove_row": "1"})
    assert 'id="row-2"' not in removed.text
    assert _value(removed.text, "items-1-name") == "cache"  # the rows closed up
    assert session.scalar(select(ResourceRequest.id)) is None

    filed = client.post("/requests/new", data=three, follow_redirects=False)
    assert filed.status_code == 303, filed.text
    session.rollback()  # see what the app committed
    made = session.scalars(select(ResourceRequest)).one()
    assert sorted(i.name for i in made.items) == ["cache", "db", "web", "web"]
    assert made.state.value == "draft"


def test_a_row_level_refusal_is_shown_beside_its_row(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches a problem of the 2nd row's MLPS level shown on the first row or nowhere."""
    rf.cloud(session, mlps=2)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    form = {
        **HEAD,
        **row(0, name="web"),
        **row(1, name="db", mlps_level="3", count="1"),
        "csrf": csrf,
        "department_id": str(world.own.id),
        "submit": "1",
    }
    refused = client.post("/requests/new", data=form)
    assert refused.status_code == 422
    assert 'id="items-1-mlps_level-error"' in refused.text
    assert 'id="items-0-mlps_level-error"' not in refused.text

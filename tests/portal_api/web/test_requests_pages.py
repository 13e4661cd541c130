"""Request pages: a department files and follows, approvers sign from their queue, everyone
watches usage against quota — in zh-CN and en, and never across departments."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories
from tests import request_factories as rf
from tests.portal_api.web.conftest import sign_in

HEAD = {
    "title": "网上办事大厅",
    "justification": "迁移旧机房的网上办事系统",
    "wanted_by": "",
    "ends_on": "",
}
ROW = {
    "name": "web",
    "count": "2",
    "vcpu": "4",
    "memory_gib": "16",
    "storage_gib": "100",
    "public_ip": "",
    "bandwidth_mbps": "",
    "zone": "extranet",
    "mlps_level": "2",
    "anti_affinity_group": "web",
}


def row(n: int, **values: str) -> dict[str, str]:
    """One machine-shape row of the request form, as the browser posts it."""
    return {f"items-{n}-{k}": v for k, v in {**ROW, **values}.items()}


FORM = {**HEAD, **row(0)}


def _state(html: str) -> str:
    found = re.search(r'id="state" data-state="([a-z]+)"', html)
    assert found
    return found.group(1)


def test_file_submit_sign_and_reject_through_the_pages(
    client: TestClient, session: Session, world: factories.World
) -> None:
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    form = {**FORM, "csrf": csrf, "department_id": str(world.own.id), "submit": "1"}
    too_big = client.post("/requests/new", data={**form, "items-0-count": "3"})
    assert too_big.status_code == 409
    assert "申请超出了本部门的配额" in too_big.text  # said in the page's language, beside vCPU
    assert f"{world.own.code} 在电子政务外网最多可用 10" in too_big.text
    made = client.post("/requests/new", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    page_url = made.headers["location"]
    page = client.get(page_url).text
    assert _state(page) == "submitted"
    assert "网上办事大厅" in page
    usage = client.get("/usage").text
    assert 'data-level="warning"' in usage  # 8 of 10 vCPU reserved: 80 %
    assert "配额使用情况" in usage

    client.post("/logout", data={"csrf": csrf})
    admin_csrf = sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    request_id = page_url.rsplit("/", 1)[1]
    assert f'id="request-{request_id}"' in client.get("/approvals").text
    signed = client.post(f"{page_url}/approve", data={"csrf": admin_csrf}, follow_redirects=False)
    assert signed.status_code == 303
    client.post("/logout", data={"csrf": admin_csrf})

    operator_csrf = sign_in(client, world.users[Role.OPERATOR])
    blank = client.post(f"{page_url}/reject", data={"csrf": operator_csrf, "reason": ""})
    assert blank.status_code == 422
    rejected = client.post(
        f"{page_url}/reject",
        data={"csrf": operator_csrf, "reason": "请先申请公安专网配额"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    client.post("/logout", data={"csrf": operator_csrf})

    sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get(page_url).text
    assert _state(page) == "rejected"
    assert "请先申请公安专网配额" in page
    assert 'data-level="ok"' in client.get("/usage").text


def test_usage_page_warns_at_95_percent_in_english(
    client: TestClient, session: Session, world: factories.World
) -> None:
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=20, memory_gib=1000, storage_gib=1000)
    rf.request(session, world.users[Role.DEPARTMENT_USER], rf.item(vcpu=19), submit=True)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/usage"})
    page = client.get("/usage").text
    assert "<h1>Usage against quota</h1>" in page
    assert 'data-level="critical"' in page
    assert "is at 95.0% of its quota" in page
    assert '<meter min="0" max="100" low="80" high="95" optimum="0" value="95.0">' in page


def test_another_department_gets_404_for_a_request_page(
    client: TestClient, session: Session, world: factories.World
) -> None:
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=10, memory_gib=100, storage_gib=1000)
    mine = rf.request(session, world.users[Role.DEPARTMENT_USER], submit=True)
    outsider = factories.user(session, role=Role.DEPARTMENT_ADMIN, dept=world.other)
    csrf = sign_in(client, outsider)
    assert client.get(f"/requests/{mine.id}").status_code == 404
    assert client.post(f"/requests/{mine.id}/approve", data={"csrf": csrf}).status_code == 404
    assert f'id="request-{mine.id}"' not in client.get("/requests").text
    assert f'id="request-{mine.id}"' not in client.get("/approvals").text

"""Inventory pages: lists with filters, the rack elevation, the capacity overview, by role."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories
from tests.portal_api.web.conftest import sign_in
from tests.portal_api.web.inventory_data import small_cloud


def rows(html: str, table: str) -> list[str]:
    return re.findall(rf'<tr id="{table}-(\d+)"', html)


def test_lists_filter_and_link_to_the_rack(
    client: TestClient, session: Session, world: factories.World
) -> None:
    cloud = small_cloud(session, department=world.own)
    sign_in(client, world.users[Role.OPERATOR])
    sites = client.get("/inventory/sites").text
    assert "天翼云" in sites
    assert "自建机房" in sites
    assert rows(client.get("/inventory/sites?kind=cloud").text, "sites") == [str(cloud.site.id)]
    hosts = client.get(f"/inventory/hosts?site_id={cloud.site.id}").text
    assert len(rows(hosts, "hosts")) == 3
    assert f'href="/inventory/racks/{cloud.rack.id}"' in hosts
    assert len(rows(client.get("/inventory/hosts?zone=intranet").text, "hosts")) == 1
    assert len(rows(client.get("/inventory/hosts").text, "hosts")) == 4
    refused = client.get("/inventory/hosts?zone=nonsense")  # the list component: named, not ignored
    assert refused.status_code == 422
    assert "zone" in refused.text
    subnets = client.get("/inventory/subnets?zone=extranet").text
    assert "10.16.0.0/22" in subnets
    assert "<td>1 / 1,021</td>" in subnets  # /22 less network, gateway and broadcast
    assert "10.16.0.0/22" not in client.get("/inventory/subnets?zone=internet").text
    links = client.get("/inventory/links?carrier=china_unicom").text
    assert "ckt-1" in links
    assert "中国联通" in links
    assert "ckt-1" not in client.get("/inventory/links?carrier=china_mobile").text
    assert client.get("/inventory/teapots").status_code == 404


def test_rack_elevation_draws_each_item_in_its_slots_and_flags_power(
    client: TestClient, session: Session, world: factories.World
) -> None:
    cloud = small_cloud(session, department=world.own)
    sign_in(client, world.users[Role.AUDITOR])
    page = client.get(f"/inventory/racks/{cloud.rack.id}").text
    assert page.count('class="mounted host"') == 3
    assert page.count('class="mounted device"') == 1
    assert 'data-name="east-h2" data-u="3" data-u-height="2"' in page
    # 3 × 600 W + 150 W = 1.95 kW against a 1.5 kW budget
    assert 'class="power-bar over"' in page
    assert "该机柜的实际功率超出预算。" in page
    assert 'width="300"' in page


def test_capacity_overview_shows_pools_racks_and_the_estate(
    client: TestClient, session: Session, world: factories.World
) -> None:
    small_cloud(session, department=world.own)
    sign_in(client, world.users[Role.MANAGER])
    page = client.get("/capacity").text
    assert 'id="pool-tianyi-extranet"' in page
    # 3 hosts × 64 vCPU = 192 total, 10 % reserve → 171 allocatable (57 each)
    pool = page.split('id="pool-tianyi-extranet"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([\d,]+)</td>', pool)[:5] == ["3", "192", "171", "0", "171"]
    assert '<th scope="row">天翼云</th>' in pool
    assert "扣除 10 % 主机预留" in page
    assert "超出功率预算" in page
    assert "42.5" in page  # the legacy room's floor area


def test_departments_see_only_their_legacy_estate(
    client: TestClient, session: Session, world: factories.World
) -> None:
    cloud = small_cloud(session, department=world.other)
    sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    assert rows(client.get("/inventory/sites").text, "sites") == []
    assert "ckt-1" not in client.get("/inventory/links").text
    assert client.get(f"/inventory/racks/{cloud.rack.id}").status_code == 404
    page = client.get("/capacity").text
    assert 'id="capacity"' not in page
    assert "政务云容量仅向云管理办公室展示。" in page


def test_provider_representatives_see_their_own_provider_lists_only(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """A provider representative's pages: its own provider's sites, racks, hosts and contracts;
    another provider's are absent; department lists and the capacity overview are refused."""
    assert world.provider is not None
    own = factories.provider_estate(session, world.provider)
    factories.provider_estate(session)  # another provider's: never listed
    sign_in(client, world.users[Role.PROVIDER_REP])
    assert (
        client.get("/inventory", follow_redirects=False)
        .headers["location"]
        .endswith("/inventory/sites")
    )
    sites = client.get("/inventory/sites").text
    assert rows(sites, "sites") == [str(own.site_id)]
    assert rows(client.get("/inventory/hosts").text, "hosts") == [str(own.host_id)]
    assert rows(client.get("/inventory/racks").text, "racks") == [str(own.rack_id)]
    assert rows(client.get("/inventory/contracts").text, "contracts") == [str(own.contract_id)]
    assert rows(client.get("/inventory/providers").text, "providers") == [str(world.provider.id)]
    assert 'href="/inventory/applications"' not in sites  # no tab for department lists
    assert client.get("/inventory/applications").status_code == 403
    assert client.get("/inventory/devices").status_code == 403
    assert client.get("/capacity").status_code == 403


def test_operator_uploads_a_survey_and_sees_refused_rows_by_line(
    client: TestClient, session: Session, world: factories.World
) -> None:
    rooms = (
        "code,department,name,floor_area_m2\n"
        f"room-1,{world.own.code},一号机房,30\n"
        f"room-2,{world.own.code},二号机房,-1\n"
    )
    csrf = sign_in(client, world.users[Role.OPERATOR])
    assert 'href="/inventory/import"' in client.get("/inventory/sites").text
    bad = client.post(
        "/inventory/import",
        data={"csrf": csrf},
        files={"files": ("rooms.csv", rooms.encode(), "text/csv")},
    )
    assert bad.status_code == 422
    refused = bad.text.split('id="survey-errors"')[1].split("</table>")[0]
    assert re.findall(r"<td>(.*?)</td>", refused)[:2] == ["rooms.csv", "floor_area_m2"]
    assert '<td class="num">3</td>' in refused
    assert "未导入任何数据" in bad.text
    assert rows(client.get("/inventory/sites").text, "sites") == []

    good = rooms.replace(",-1", ",45.5")
    done = client.post(
        "/inventory/import",
        data={"csrf": csrf},
        files={"files": ("rooms.csv", good.encode(), "text/csv")},
    )
    assert done.status_code == 200, done.text
    assert "普查表已导入。" in done.text
    assert len(rows(client.get("/inventory/sites").text, "sites")) == 2
    exported = client.get("/inventory/export/rooms.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[2] == f"room-2,{world.own.code},二号机房,45.50,"
    no_csrf = client.post(
        "/inventory/import", files={"files": ("rooms.csv", good.encode(), "text/csv")}
    )
    assert no_csrf.status_code == 403


def test_only_inventory_writers_may_upload(client: TestClient, world: factories.World) -> None:
    sign_in(client, world.users[Role.AUDITOR])
    assert client.get("/inventory/import").status_code == 403
    assert 'href="/inventory/import"' not in client.get("/inventory/sites").text
    assert client.get("/inventory/export/rooms.csv").status_code == 200


def test_contracts_show_their_sla_terms_and_departments_see_their_applications(
    client: TestClient, session: Session, world: factories.World
) -> None:
    import datetime as dt
    from decimal import Decimal

    from infra.inventory import service
    from infra.inventory.enums import NetworkZone
    from infra.inventory.schemas import ApplicationCreate, ContractCreate

    cloud = small_cloud(session, department=world.own)
    provider_id = cloud.site.provider_id
    assert provider_id is not None
    service.create_contract(
        session,
        data=ContractCreate(
            provider_id=provider_id,
            reference="gc-2026-tianyi",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2028, 12, 31),
            monthly_fee=Decimal("1850000.00"),
            sla_terms={
                "availability_pct": "99.95",
                "recovery_hours": 4,
                "severities": {"P1": {"response_minutes": 10}},
            },
        ),
        actor=factories.SYSTEM,
    )
    for dept, code in ((world.own, "app-own"), (world.other, "app-other")):
        data = ApplicationCreate(
            code=code, name=code, department_id=dept.id, zone=NetworkZone.PRIVATE
        )
        service.create_application(session, data=data, actor=factories.SYSTEM)
    session.commit()
    sign_in(client, world.users[Role.FINANCE])
    contracts = client.get("/inventory/contracts").text
    # The terms in the page's language (labels beside SlaTerm), the fee as yuan.
    assert "<dt>可用性（%）</dt><dd>99.95</dd>" in contracts
    assert "<dt>P1 · 响应时限（分钟）</dt><dd>10</dd>" in contracts
    assert "availability_pct" not in contracts
    assert "¥1,850,000.00" in contracts
    assert len(rows(client.get("/inventory/applications").text, "applications")) == 2
    client.cookies.clear()
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    landing = client.get("/inventory")
    assert landing.url.path == "/inventory/applications"
    assert "app-own" in landing.text
    assert "app-other" not in landing.text
    assert 'href="/inventory/contracts"' not in landing.text  # the cloud office's records
    assert rows(client.get("/inventory/contracts").text, "contracts") == []

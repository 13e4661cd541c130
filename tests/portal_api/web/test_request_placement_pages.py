"""The operator places an approved request from its page (plan preview, then commit), and a
placed request becomes active by hand with a reason or when its department's stack deploys."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.provisioning import service as provisioning
from infra.provisioning.enums import StackOperation
from infra.provisioning.pulumi_adapter import RunResult
from infra.tenancy.enums import Role
from infra.tenancy.requests.decisions import approve_request
from infra.tenancy.requests.models import Allocation, ResourceRequest
from infra.tenancy.scope import Scope
from tests import factories
from tests import request_factories as rf
from tests.portal_api.web.conftest import csrf_in, sign_in


def _approved(session: Session, world: factories.World, *items: dict[str, object]) -> int:
    made = rf.request(session, world.users[Role.DEPARTMENT_USER], *items, submit=True)
    for role in (Role.DEPARTMENT_ADMIN, Role.OPERATOR):
        approve_request(
            session, scope=Scope.everything(), user=world.users[role], request_id=made.id
        )
    session.commit()
    return made.id


def _plan_hosts(html: str) -> dict[str, str]:
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="host">([^<]+)</td>', html))


def test_plan_preview_then_commit_places_exactly_what_was_shown(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches a preview that writes, a commit that places something else than the preview,
    and a detail page that hides where the machines went."""
    cloud = rf.cloud(session, hosts=2)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    request_id = _approved(
        session,
        world,
        rf.item(name="db-a", vcpu=8, anti_affinity_group="db"),
        rf.item(name="db-b", vcpu=8, anti_affinity_group="db"),
    )
    csrf = sign_in(client, world.users[Role.OPERATOR])
    detail = client.get(f"/requests/{request_id}").text
    assert f'href="/requests/{request_id}/placement"' in detail
    preview = client.get(f"/requests/{request_id}/placement")
    assert preview.status_code == 200
    hosts = _plan_hosts(preview.text)
    assert set(hosts) == {"db-a", "db-b"}
    assert len(set(hosts.values())) == 2  # anti-affinity: two hosts
    assert set(hosts.values()) <= {h.name for h in cloud.hosts}
    session.rollback()
    assert session.scalar(select(Allocation.id)) is None  # a preview writes nothing

    stale = client.post(
        f"/requests/{request_id}/placement", data={"csrf": csrf, "plan": "not-what-was-shown"}
    )
    assert stale.status_code == 409
    assert "您查看之后放置方案已发生变化" in stale.text
    session.rollback()
    assert session.scalar(select(Allocation.id)) is None

    fingerprint = re.search(r'name="plan" value="([0-9a-f]+)"', preview.text)
    assert fingerprint
    done = client.post(
        f"/requests/{request_id}/placement",
        data={"csrf": csrf, "plan": fingerprint.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    session.rollback()
    placed = session.get(ResourceRequest, request_id)
    assert placed is not None
    assert placed.state.value == "placed"
    page = client.get(f"/requests/{request_id}").text
    assert set(re.findall(r'<td class="host">([^<]+)</td>', page)) == set(hosts.values())
    assert client.get(f"/requests/{request_id}/placement").status_code == 409  # placed now


def test_what_does_not_fit_is_shown_with_its_reason_and_cannot_be_committed(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches an unplaceable request shown as placeable (or its reason lost)."""
    rf.cloud(session, hosts=1, mlps=3)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    request_id = _approved(
        session,
        world,
        rf.item(name="a", vcpu=4, anti_affinity_group="g"),
        rf.item(name="b", vcpu=4, anti_affinity_group="g"),  # one host: b cannot be apart
    )
    sign_in(client, world.users[Role.OPERATOR])
    preview = client.get(f"/requests/{request_id}/placement").text
    assert 'id="unplaced"' in preview
    # the group as the department named it (placement prefixes it with the department's id)
    assert '<td class="reason"><p>反亲和组 g：电子政务外网中只有 1 台主机' in preview
    assert "提交放置" not in preview


def _reasons(html: str) -> list[str]:
    return re.findall(r"<p>([^<]*)</p>", html.split('id="unplaced"')[1].split("</table>")[0])


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "zh_CN",
            "机柜功率：电子政务外网中有空间容纳 4 个虚拟 CPU、16 GiB 内存和 1,000 GiB 存储的主机"
            "均未开机，且其机柜功率余量不足（主机 ",
        ),
        (
            "en",
            "Rack power: every host in the E-government extranet with room for 4 vCPU, 16 GiB "
            "memory and 1,000 GiB storage is off and its rack lacks headroom (host ",
        ),
    ],
)
def test_why_it_does_not_fit_is_said_in_the_pages_language(
    client: TestClient, session: Session, world: factories.World, locale: str, expected: str
) -> None:
    """Catches reasons shown as the engine's English sentence on the Chinese page, and the zone
    shown by its code instead of its label, in either language."""
    rf.cloud(session, hosts=1, power_budget_kw=Decimal("0"))  # no watt to switch a host on
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    request_id = _approved(session, world, rf.item(name="vault", storage_gib=1000))
    world.users[Role.OPERATOR].locale = locale
    session.commit()
    sign_in(client, world.users[Role.OPERATOR])
    preview = client.get(f"/requests/{request_id}/placement").text
    (shown,) = _reasons(preview)
    assert shown.startswith(expected), shown
    assert "in zone extranet" not in preview  # the English sentence is for the CLI and the API


def test_each_binding_constraint_is_said_on_its_own_line(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches a compound reason losing a part, or shown as one English sentence."""
    rf.cloud(session, hosts=1, vcpu=16, memory_gib=64)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    request_id = _approved(session, world, rf.item(name="big", vcpu=48, memory_gib=200))
    sign_in(client, world.users[Role.OPERATOR])
    shown = _reasons(client.get(f"/requests/{request_id}/placement").text)
    assert len(shown) == 2, shown
    assert shown[0].startswith("电子政务外网中没有主机空闲 48 虚拟 CPU（最多 ")
    assert shown[1].startswith("电子政务外网中没有主机空闲 200 GiB 内存（最多 ")


def test_department_users_cannot_plan_placements(
    client: TestClient, session: Session, world: factories.World
) -> None:
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    request_id = _approved(session, world, rf.item())
    csrf = sign_in(client, world.users[Role.DEPARTMENT_USER])
    assert "/placement" not in client.get(f"/requests/{request_id}").text
    assert client.get(f"/requests/{request_id}/placement").status_code == 403
    posted = client.post(f"/requests/{request_id}/placement", data={"csrf": csrf, "plan": "x"})
    assert posted.status_code == 403


def _place(client: TestClient, request_id: int, csrf: str) -> None:
    preview = client.get(f"/requests/{request_id}/placement").text
    fingerprint = re.search(r'name="plan" value="([0-9a-f]+)"', preview)
    assert fingerprint, preview
    done = client.post(
        f"/requests/{request_id}/placement",
        data={"csrf": csrf, "plan": fingerprint.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_activating_by_hand_needs_a_reason_that_the_history_shows(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches activation without a reason and a history that drops comments."""
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    made = rf.request(session, world.users[Role.DEPARTMENT_USER], rf.item(), submit=True)
    admin_csrf = sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    signed = client.post(
        f"/requests/{made.id}/approve",
        data={"csrf": admin_csrf, "reason": "科室已确认规格"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    client.post("/logout", data={"csrf": admin_csrf})
    csrf = sign_in(client, world.users[Role.OPERATOR])
    client.post(f"/requests/{made.id}/approve", data={"csrf": csrf, "reason": ""})
    _place(client, made.id, csrf)
    blank = client.post(f"/requests/{made.id}/activate", data={"csrf": csrf, "reason": " "})
    assert blank.status_code == 422
    assert 'id="reason-error"' in blank.text
    done = client.post(
        f"/requests/{made.id}/activate",
        data={"csrf": csrf, "reason": "虚拟机已由运维手工创建"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(f"/requests/{made.id}").text
    assert 'data-state="active"' in page
    history = page.split('id="history"')[1]
    assert '<q class="comment">科室已确认规格</q>' in history
    assert '<q class="comment">虚拟机已由运维手工创建</q>' in history


def test_a_successful_stack_up_activates_what_was_placed_before_it_started(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """Catches placed requests that never become active without a hand, and a deploy that
    activates requests placed while it ran (their capacity was not part of it)."""
    rf.cloud(session)
    rf.quotas(session, world.own, vcpu=64, memory_gib=256, storage_gib=4000)
    early = _approved(session, world, rf.item(name="early"))
    csrf = sign_in(client, world.users[Role.OPERATOR])
    csrf = csrf_in(client.get(f"/requests/{early}").text)
    _place(client, early, csrf)
    session.rollback()
    provisioning.record_run_started(
        session, department_id=world.own.id, job_id="job-1", operation=StackOperation.UP
    )
    session.commit()
    late = _approved(session, world, rf.item(name="late"))
    _place(client, late, csrf)
    session.rollback()
    provisioning.record_run_finished(
        session,
        department_id=world.own.id,
        job_id="job-1",
        operation=StackOperation.UP,
        result=RunResult(StackOperation.UP),
        deployed="fp",
        current="fp",
    )
    session.commit()
    session.expire_all()  # the test session keeps its objects across commits
    states = {
        r.id: r.state.value
        for r in session.scalars(
            select(ResourceRequest).where(ResourceRequest.id.in_([early, late]))
        )
    }
    assert states == {early: "active", late: "placed"}
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_id == str(early), AuditEntry.action == "activate"
        )
    ).one()
    assert entry.actor == "system:provisioning"
    assert entry.after is not None
    assert entry.after["stack_job"] == "job-1"

"""The demo loader files requests in several states through the real services, once."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from infra.audit.service import verify_chain
from infra.tenancy.models import Department, User
from infra.tenancy.requests.approvals import can_sign
from infra.tenancy.requests.decisions import approve_request
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import Allocation, ResourceRequest
from infra.tenancy.scope import Scope
from portal_api import demo
from portal_api.cli import app


def test_demo_requests_cover_the_lifecycle_and_load_once(session: Session) -> None:
    demo.load(session)  # the demo city brings the shared cloud's hosts, so requests are placed
    session.commit()
    # billing/demo.py adds steady workloads (created by "system:demo") so departments have bills.
    requests = session.scalars(
        select(ResourceRequest).where(ResourceRequest.created_by != "system:demo")
    )
    states = {r.title: r.state.value for r in requests}
    assert states == {
        "案件管理系统数据库": "active",
        "交通信号控制平台": "submitted",
        "视频监控存储扩容": "rejected",
        "执法记录仪管理平台": "draft",
        "传染病监测预警系统": "submitted",
    }
    billing_workloads = session.scalars(
        select(ResourceRequest.id).where(ResourceRequest.created_by == "system:demo")
    ).all()
    allocations = session.scalars(
        select(Allocation).where(Allocation.request_id.not_in(billing_workloads))
    ).all()
    assert len(allocations) == 2
    demo.load(session)
    session.commit()
    assert len(session.scalars(select(ResourceRequest)).all()) == 5 + len(billing_workloads)
    assert verify_chain(session).ok


def test_every_open_demo_request_can_move_with_the_demo_logins(session: Session) -> None:
    """Catches a demo request that waits for a signer no demo login is (the CDC's request
    once waited for ever for a section head who did not exist)."""
    demo.load(session)
    session.commit()
    names = [login.username for login in demo.LOGINS]
    users = session.scalars(select(User).where(User.username.in_(names))).all()
    assert sorted(u.username for u in users) == sorted(names)
    waiting = session.scalars(
        select(ResourceRequest).where(ResourceRequest.state == RequestState.SUBMITTED)
    ).all()
    assert waiting
    for request in waiting:
        for _ in range(len(request.steps)):
            step = request.waiting_step()
            if step is None:
                break
            signers = [u for u in users if can_sign(u, step) and u.id != request.created_by_id]
            assert signers, f"{request.title}: nobody among the demo logins signs {step.stage}"
            approve_request(
                session, scope=Scope.everything(), user=signers[0], request_id=request.id
            )
        assert request.state is RequestState.APPROVED, request.title
    by_name = {u.username: u for u in users}
    cdc = session.scalar(select(Department.id).where(Department.code == "health-cdc"))
    assert by_name["health-cdc-user"].department_id == cdc
    assert by_name["health-cdc-admin"].department_id == cdc


def test_readme_and_govcloud_demo_logins_name_the_same_users() -> None:
    """Catches a README login table (or CLI listing) that drifts from the demo's logins."""
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| `([a-z-]+)` \|", readme, re.M)
    assert table == [login.username for login in demo.LOGINS]
    shown = CliRunner().invoke(app, ["demo", "logins"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    listed = re.findall(r"^│ ([a-z-]+)\s+│", shown.output, re.M)
    assert listed == [login.username for login in demo.LOGINS]

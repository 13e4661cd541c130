"""The demo loader files requests in several states through the real services, once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.service import verify_chain
from infra.tenancy.requests.models import Allocation, ResourceRequest
from portal_api import demo


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

"""Demo resource requests: one of each interesting state, filed and signed by the demo users
through the real services (so quotas, chains and the audit log hold as in production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.inventory.enums import NetworkZone
from infra.settings import get_settings
from infra.tenancy import service as quotas
from infra.tenancy.enums import ResourceClass
from infra.tenancy.models import Department, Quota, User
from infra.tenancy.requests import decisions, flows, rules, running, service
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.requests.schemas import RequestCreate
from infra.tenancy.schemas import QuotaCreate
from infra.tenancy.scope import Scope, scope_for

EVERYTHING = Scope.everything()


def _vm(name: str, vcpu: int, memory: int, disk: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "vcpu": vcpu,
        "memory_gib": memory,
        "storage_gib": disk,
        "zone": "extranet",
        "mlps_level": 2,
        **extra,
    }


# (filed by, title, justification, items, fate)
PLAN: list[tuple[str, str, str, list[dict[str, Any]], str]] = [
    (
        "police-user",
        "案件管理系统数据库",
        "旧机房的案件管理数据库迁入政务云（双机热备）",
        [
            _vm("db-a", 16, 64, 1000, anti_affinity_group="case-db", mlps_level=3),
            _vm("db-b", 16, 64, 1000, anti_affinity_group="case-db", mlps_level=3),
        ],
        "active",
    ),
    (
        "police-user",
        "交通信号控制平台",
        "新建交通信号联网控制平台",
        [_vm(f"signal-{n}", 8, 32, 200, anti_affinity_group="signal") for n in range(3)],
        "waiting for the cloud office",
    ),
    (
        "police-user",
        "视频监控存储扩容",
        "视频监控录像保存期限延长到 90 天",
        [_vm("nvr-store", 4, 16, 8000)],
        "rejected",
    ),
    (
        "police-user",
        "执法记录仪管理平台",
        "草稿：等待科室确认规格",
        [_vm("bodycam", 4, 16, 500)],
        "draft",
    ),
    (
        "health-cdc-user",
        "传染病监测预警系统",
        "疾控中心监测预警系统上云",
        [_vm("surveillance", 8, 32, 500)],
        "waiting for the section head",
    ),
]


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


SECTION_QUOTA = {"vcpu": 32, "memory_gib": 128, "storage_gib": 2000}


def _section_quota(session: Session, code: str) -> None:
    """Sections file against quotas of their own: the department hands part of its share on."""
    section = session.scalar(select(Department).where(Department.code == code))
    if section is None:
        return
    for resource, limit in SECTION_QUOTA.items():
        exists = session.scalar(
            select(Quota.id).where(
                Quota.department_id == section.id,
                Quota.resource == ResourceClass(resource),
                Quota.zone == NetworkZone.EXTRANET,
            )
        )
        if exists is None:
            data = QuotaCreate(
                department_id=section.id,
                resource=ResourceClass(resource),
                zone=NetworkZone.EXTRANET,
                limit=limit,
            )
            quotas.create_quota(session, scope=EVERYTHING, data=data, actor=Actor.system("demo"))


def load(session: Session) -> None:
    """File the demo requests that are missing; skipped while the cloud has no hosts."""
    if not rules.highest_mlps_by_zone(session):
        return
    _section_quota(session, "health-cdc")
    operator, police_admin = _user(session, "operator"), _user(session, "police-admin")
    if operator is None or police_admin is None:
        return
    for username, title, why, items, fate in PLAN:
        filer = _user(session, username)
        if filer is None or session.scalar(
            select(ResourceRequest.id).where(ResourceRequest.title == title)
        ):
            continue
        data = RequestCreate.model_validate(
            {"title": title, "justification": why, "items": items, "submit": fate != "draft"}
        )
        request, _ = service.create_request(
            session, scope=scope_for(session, filer), user=filer, data=data
        )
        if fate in ("active", "rejected", "waiting for the cloud office"):
            decisions.approve_request(
                session, scope=EVERYTHING, user=police_admin, request_id=request.id, note="同意"
            )
        if fate == "active":
            decisions.approve_request(
                session, scope=EVERYTHING, user=operator, request_id=request.id
            )
            flows.run_placement(
                session,
                actor=service.actor_of(operator),
                reserve=get_settings().inventory.host_reserve,
                dry_run=False,
            )
            if request.state.value == "placed":
                running.activate_request(
                    session,
                    scope=EVERYTHING,
                    actor=service.actor_of(operator),
                    request_id=request.id,
                )
        if fate == "rejected":
            decisions.reject_request(
                session,
                scope=EVERYTHING,
                user=operator,
                request_id=request.id,
                reason="请先清理过期录像，再按实际增量申请存储",
            )
    session.flush()

"""Four signed quarters for the demo city's providers, so a manager sees a real review on the
first start: figures entered as the operators and providers would, surveys answered by the
departments, drafts computed from them (and from monitoring's history), signed after each
quarter's comment window.  Deterministic: the same city every time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.inventory.models import Provider
from infra.tenancy.enums import Role
from infra.tenancy.models import Department, User
from infra.tenancy.scope import Scope
from monitoring.assessment import entries, service
from monitoring.assessment.evidence import MonitoringCollector
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.quarters import previous_quarters, quarter_of, quarter_period
from monitoring.assessment.surveys import QUESTIONS

DEMO_OPERATOR = Actor.system("demo")
# Per provider code, per quarter (oldest first): entered figures, then survey answers (1–5).
# tianyi runs steadily well; inspur slips in the middle of the year; huawei has a breach-free
# but sloppy year and a quarter that fails on a major security breach.
PROFILES: Final[dict[str, list[tuple[dict[str, str], int]]]] = {
    "tianyi": [
        (
            {
                "security.vulnerability_fix_pct": "100",
                "backups.success_pct": "99.8",
                "backups.restore_drills": "1",
                "changes.success_pct": "99",
                "bonus.points": "2",
            },
            5,
        ),
        (
            {
                "security.vulnerability_fix_pct": "95",
                "backups.success_pct": "99.6",
                "backups.restore_drills": "1",
                "changes.success_pct": "98",
            },
            5,
        ),
        (
            {
                "security.vulnerability_fix_pct": "100",
                "backups.success_pct": "99.9",
                "backups.restore_drills": "1",
                "changes.success_pct": "97.5",
            },
            4,
        ),
        (
            {
                "security.vulnerability_fix_pct": "100",
                "backups.success_pct": "99.7",
                "backups.restore_drills": "2",
                "changes.success_pct": "99",
                "bonus.points": "1",
            },
            5,
        ),
    ],
    "inspur": [
        (
            {
                "security.vulnerability_fix_pct": "90",
                "backups.success_pct": "99.2",
                "backups.restore_drills": "1",
                "changes.success_pct": "96",
            },
            4,
        ),
        (
            {
                "security.incidents": "1",
                "security.vulnerability_fix_pct": "80",
                "backups.success_pct": "98.5",
                "changes.success_pct": "95",
                "reporting.late_reports": "1",
            },
            3,
        ),
        (
            {
                "security.vulnerability_fix_pct": "85",
                "backups.success_pct": "99.0",
                "backups.restore_drills": "1",
                "changes.success_pct": "96",
            },
            4,
        ),
        (
            {
                "security.vulnerability_fix_pct": "95",
                "backups.success_pct": "99.5",
                "backups.restore_drills": "1",
                "changes.success_pct": "98",
            },
            4,
        ),
    ],
    "huawei": [
        (
            {
                "security.vulnerability_fix_pct": "70",
                "backups.success_pct": "98.0",
                "changes.success_pct": "94",
                "reporting.late_reports": "1",
            },
            3,
        ),
        (
            {
                "security.incidents": "1",
                "security.major_breaches": "1",
                "security.vulnerability_fix_pct": "60",
                "backups.success_pct": "97.5",
                "changes.success_pct": "93",
                "reporting.late_reports": "2",
            },
            2,
        ),
        (
            {
                "security.vulnerability_fix_pct": "80",
                "backups.success_pct": "98.8",
                "backups.restore_drills": "1",
                "changes.success_pct": "95",
            },
            3,
        ),
        (
            {
                "security.vulnerability_fix_pct": "90",
                "backups.success_pct": "99.3",
                "backups.restore_drills": "1",
                "changes.success_pct": "97",
            },
            4,
        ),
    ],
}
NOTES: Final = {
    "security.incidents": "工单记录的安全事件（演示数据）",
    "security.major_breaches": "门户网站被篡改，服务商未按期修补（演示数据）",
    "security.vulnerability_fix_pct": "季度漏洞扫描复测报告（演示数据）",
    "backups.success_pct": "备份系统季度报表（演示数据）",
    "backups.restore_drills": "恢复演练记录（演示数据）",
    "changes.success_pct": "变更管理台账（演示数据）",
    "reporting.late_reports": "月度运维报告提交记录（演示数据）",
    "bonus.points": "协助完成重大活动保障（演示数据）",
}


def load(session: Session, *, now: dt.datetime, monitoring: MonitoringCollector) -> int:
    """Create the four signed quarters before ``now`` that are missing; returns how many."""
    manager = session.scalar(
        select(User).where(User.role == Role.MANAGER, User.is_active.is_(True))
    )
    if manager is None:
        return 0
    signer = Actor(username=manager.username, user_id=manager.id, role=Role.MANAGER)
    quarters = previous_quarters(quarter_of(now), 4)
    departments = list(
        session.scalars(
            select(Department).where(Department.parent_id.is_not(None)).order_by(Department.code)
        )
    )[:8]
    made = 0
    for provider in session.scalars(select(Provider).order_by(Provider.code)):
        profile = PROFILES.get(provider.code)
        if profile is None:
            continue
        for quarter, (figures, mood) in zip(quarters, profile, strict=True):
            exists = session.scalar(
                select(ProviderAssessment.id).where(
                    ProviderAssessment.provider_id == provider.id,
                    ProviderAssessment.quarter == quarter,
                )
            )
            if exists is not None:
                continue
            _, end = quarter_period(quarter)
            for source, value in figures.items():
                entries.enter_evidence(
                    session,
                    scope=Scope.everything(),
                    provider_id=provider.id,
                    quarter=quarter,
                    source=source,
                    value=Decimal(value),
                    note=NOTES[source],
                    actor=DEMO_OPERATOR,
                )
            for i, department in enumerate(departments):
                answers = {
                    q: max(1, min(5, mood - ((i + j) % 3 == 0))) for j, q in enumerate(QUESTIONS)
                }
                entries.answer_survey(
                    session,
                    scope=Scope.everything(),
                    department_id=department.id,
                    provider_id=provider.id,
                    quarter=quarter,
                    answers=answers,
                    comment=None,
                    actor=DEMO_OPERATOR,
                )
            row = service.draft_assessment(
                session,
                provider_id=provider.id,
                quarter=quarter,
                actor=DEMO_OPERATOR,
                monitoring=monitoring,
                now=end + dt.timedelta(days=1),
            )
            service.sign(
                session,
                assessment_id=row.id,
                actor=signer,
                now=row.comments_close_at + dt.timedelta(days=2),
            )
            made += 1
    return made

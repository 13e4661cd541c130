"""The quarter-end schedule drafts every provider's closed quarter and leaves signed ones be."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.actor import Actor
from infra.inventory import service as inventory
from infra.inventory.models import Provider
from infra.inventory.schemas import ProviderCreate
from infra.schedules.types import ScheduleContext
from infra.tenancy.enums import Role
from monitoring.assessment import scheduled, service
from monitoring.assessment.enums import AssessmentStatus
from monitoring.assessment.models import ProviderAssessment
from portal_api.registry import SCHEDULES
from tests import factories


class _Job:
    """The part of a JobContext a schedule handler uses: sessions and a log."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.lines: list[str] = []

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.factory() as session, session.begin():
            yield session

    def log(self, message: str, **data: Any) -> None:
        self.lines.append(message)


def test_the_schedule_is_registered_quarterly() -> None:
    found = [s for s in SCHEDULES if s.name == "assessment.quarterly_draft"]
    assert len(found) == 1
    start = found[0].period.floor(dt.datetime(2026, 8, 15, tzinfo=dt.UTC))
    assert start == dt.datetime(2026, 6, 30, 16, tzinfo=dt.UTC)  # 2026-07-01 00:00 in Shanghai


def test_quarter_end_drafts_every_provider_but_not_a_signed_one(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Q2 closes: two providers get drafts; the one whose Q2 was already signed keeps it."""
    for code in ("pa", "pb", "pc"):
        inventory.create_provider(
            session, data=ProviderCreate(code=code, name=code), actor=factories.SYSTEM
        )
    session.commit()
    providers = {p.code: p.id for p in session.scalars(select(Provider))}
    row = service.draft_assessment(
        session,
        provider_id=providers["pc"],
        quarter="2026Q2",
        actor=factories.SYSTEM,
        monitoring=lambda *_: {},
        now=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    service.sign(
        session,
        assessment_id=row.id,
        actor=Actor("m", None, Role.MANAGER),
        now=dt.datetime(2026, 7, 20, tzinfo=dt.UTC),
    )
    session.commit()
    job = _Job(session_factory)
    context = ScheduleContext(
        job=job,  # type: ignore[arg-type]
        period_start=dt.datetime(2026, 3, 31, 16, tzinfo=dt.UTC),
        period_end=dt.datetime(2026, 6, 30, 16, tzinfo=dt.UTC),
    )
    result = scheduled.draft_quarter(context)
    assert result == {"quarter": "2026Q2", "drafted": ["pa", "pb"]}
    session.expire_all()
    statuses = {r.provider_id: r.status for r in session.scalars(select(ProviderAssessment))}
    assert statuses == {
        providers["pa"]: AssessmentStatus.DRAFT,
        providers["pb"]: AssessmentStatus.DRAFT,
        providers["pc"]: AssessmentStatus.SIGNED,
    }
    assert scheduled.draft_quarter(context)["drafted"] == ["pa", "pb"]  # idempotent refresh

"""A provider's settlements follow its signed quarterly grade: months are settled at their
close with factor 1 (provisional, "no signed assessment"); signing the quarter's assessment
publishes an event, and the subscription gives those settlements the grade's factor — once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.invoices.flows import close_month
from billing.settlements.models import Settlement
from billing.settlements.service import NO_ASSESSMENT, fee_factor_for
from infra.audit.actor import Actor
from infra.audit.models import AuditEntry
from infra.tenancy.enums import Role
from monitoring.assessment import service as assessment
from monitoring.assessment.enums import Grade
from monitoring.assessment.evidence import MonitoringCollector
from monitoring.assessment.scoring import Figure
from tests import factories
from tests.billing import factories as bf

MANAGER = Actor("manager-1", None, Role.MANAGER)


def _availability(value: str) -> MonitoringCollector:
    def collect(*_: object) -> dict[str, Figure]:
        return {"slo.availability_pct": Figure("slo.availability_pct", Decimal(value))}

    return collect


def test_signed_grade_sets_the_quarters_settlements(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """2026Q4 drafted at 99.85 % availability (−10) with no restore drill (−3): 87 → 良好,
    factor 0.98. October and November are settled provisionally at 1; the draft changes
    nothing; after sign-off and delivery both carry 0.98, amount = fee × 0.98 (to the fen)
    + variable cost, each change audited as "regrade"; a second delivery changes nothing."""
    world = bf.scene(session)
    provider = world.provider.id
    bf.allocate(session, department=world.departments[0], host=world.host, start=bf.at(2026, 9, 20))
    for month, now in (
        (dt.date(2026, 10, 1), bf.at(2026, 11, 2)),
        (dt.date(2026, 11, 1), bf.at(2026, 12, 2)),
    ):
        close_month(session, month=month, actor=bf.SYSTEM, now=now)
    session.commit()
    row = assessment.draft_assessment(
        session,
        provider_id=provider,
        quarter="2026Q4",
        actor=MANAGER,
        monitoring=_availability("99.85"),
        now=bf.at(2027, 1, 2),
    )
    session.commit()
    assert (row.score, row.grade) == (Decimal("87.00"), Grade.GOOD)
    factories.deliver_events(session_factory)
    settled = list(session.scalars(select(Settlement).where(Settlement.provider_id == provider)))
    assert len(settled) == 2
    assert {s.factor_reason for s in settled} == {NO_ASSESSMENT}
    assessment.sign(session, assessment_id=row.id, actor=MANAGER, now=bf.at(2027, 1, 20))
    session.commit()
    assert fee_factor_for(session, provider, "2026Q4").factor == Decimal("0.98")
    factories.deliver_events(session_factory)
    factories.deliver_events(session_factory)
    session.commit()  # end the reader's snapshot (SQLite WAL): see what the handler wrote
    session.expire_all()
    for s in session.scalars(select(Settlement).where(Settlement.provider_id == provider)):
        assert s.fee_factor == Decimal("0.98")
        assert "良好" in s.factor_reason
        assert s.adjusted_fee == (s.contract_fee * Decimal("0.98")).quantize(Decimal("0.01"))
        assert s.amount == s.adjusted_fee + s.variable_cost
    regrades = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "settlement", AuditEntry.action == "regrade")
    ).all()
    assert len(regrades) == 2

"""The assessment workflow on a real database (SQLite and PostgreSQL): draft, comments and
appeals inside the window, the manager's adjustment and sign-off, the lock, recomputation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.models import AuditEntry
from infra.errors import InvalidInput, NotFound, PermissionDenied
from infra.inventory import service as inventory
from infra.inventory.models import Provider
from infra.inventory.schemas import ProviderCreate
from infra.tenancy.enums import Role
from infra.tenancy.scope import Scope
from monitoring.assessment import entries, queries, service
from monitoring.assessment.enums import AssessmentStatus, CommentKind, Grade
from monitoring.assessment.evidence import MonitoringCollector
from monitoring.assessment.exceptions import (
    AppealUnanswered,
    AssessmentLocked,
    CommentWindowClosed,
    CommentWindowOpen,
    ScoreNotReproduced,
)
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.scoring import Figure
from tests import factories

MANAGER = Actor("manager-1", 9001, Role.MANAGER)
OPERATOR = Actor("operator-1", 9002, Role.OPERATOR)
REP = Actor("rep-1", 9003, Role.PROVIDER_REP)
DRAFTED = dt.datetime(2026, 7, 2, 1, 0, tzinfo=dt.UTC)  # 2026Q2 ended 2026-06-30 16:00 UTC
LATER = DRAFTED + dt.timedelta(days=11)


def _monitoring(availability: str) -> MonitoringCollector:
    def collect(
        session: Session, provider_id: int, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Figure]:
        return {
            "slo.availability_pct": Figure("slo.availability_pct", Decimal(availability)),
            "incidents.major_outages": Figure("incidents.major_outages", Decimal(0)),
        }

    return collect


def _provider(session: Session, code: str = "prov-a") -> Provider:
    provider = inventory.create_provider(
        session, data=ProviderCreate(code=code, name=f"{code} 云"), actor=factories.SYSTEM
    )
    session.commit()
    return provider


def _draft(session: Session, provider: Provider, availability: str = "99.93") -> ProviderAssessment:
    row = service.draft_assessment(
        session,
        provider_id=provider.id,
        quarter="2026Q2",
        actor=OPERATOR,
        monitoring=_monitoring(availability),
        now=DRAFTED,
    )
    session.commit()
    return row


def _drill(session: Session, provider: Provider) -> None:
    entries.enter_evidence(
        session,
        scope=Scope.provider(provider.id),
        provider_id=provider.id,
        quarter="2026Q2",
        source="backups.restore_drills",
        value=Decimal(1),
        note="restore drill of the extranet database, 2026-05-20, passed",
        actor=REP,
        attachment=("drill.pdf", "application/pdf", b"%PDF-1.4 drill report"),
    )
    session.commit()


def test_draft_scores_the_collected_evidence(session: Session) -> None:
    """99.93 % → −2; no restore drill entered (owed) → −3: 95 → 优秀. After the provider enters
    its drill and the draft is recomputed: 98. The deduction links to the entry."""
    provider = _provider(session)
    row = _draft(session, provider)
    assert (row.score, row.grade, row.status) == (
        Decimal("95.00"),
        Grade.EXCELLENT,
        AssessmentStatus.DRAFT,
    )
    assert row.comments_close_at == DRAFTED + service.COMMENT_WINDOW
    _drill(session, provider)
    row = _draft(session, provider)
    assert row.score == Decimal("98.00")
    drill = next(i for i in row.breakdown["indicators"] if i["code"] == "restore_drills")
    assert drill["refs"][0]["kind"] == "evidence"
    assert row.evidence["backups.restore_drills"]["value"] == "1.0000"


def test_quarter_must_have_ended_and_be_well_formed(session: Session) -> None:
    provider = _provider(session)
    with pytest.raises(InvalidInput, match="has not ended"):
        service.draft_assessment(
            session,
            provider_id=provider.id,
            quarter="2026Q3",
            actor=OPERATOR,
            monitoring=_monitoring("100"),
            now=DRAFTED,
        )
    with pytest.raises(InvalidInput, match="2026Q3"):
        service.draft_assessment(
            session,
            provider_id=provider.id,
            quarter="2026-Q2",
            actor=OPERATOR,
            monitoring=_monitoring("100"),
            now=DRAFTED,
        )


def test_comments_and_appeals_only_inside_the_window_and_only_by_the_provider(
    session: Session,
) -> None:
    provider = _provider(session)
    row = _draft(session, provider)
    own = Scope.provider(provider.id)
    service.add_comment(
        session,
        scope=own,
        assessment_id=row.id,
        kind=CommentKind.COMMENT,
        body="The May outage was a carrier fault.",
        actor=REP,
        now=DRAFTED,
    )
    with pytest.raises(PermissionDenied):
        service.add_comment(
            session,
            scope=Scope.everything(),
            assessment_id=row.id,
            kind=CommentKind.APPEAL,
            body="not mine to appeal",
            actor=MANAGER,
            now=DRAFTED,
        )
    with pytest.raises(CommentWindowClosed):
        service.add_comment(
            session,
            scope=own,
            assessment_id=row.id,
            kind=CommentKind.APPEAL,
            body="too late",
            actor=REP,
            now=row.comments_close_at,
        )
    other = _provider(session, "prov-b")
    with pytest.raises(NotFound):  # another provider's assessment does not exist for it
        service.add_comment(
            session,
            scope=Scope.provider(other.id),
            assessment_id=row.id,
            kind=CommentKind.COMMENT,
            body="hello",
            actor=REP,
            now=DRAFTED,
        )


def test_an_appeal_must_be_answered_before_signing_and_only_the_manager_signs(
    session: Session,
) -> None:
    provider = _provider(session)
    row = _draft(session, provider)
    service.add_comment(
        session,
        scope=Scope.provider(provider.id),
        assessment_id=row.id,
        kind=CommentKind.APPEAL,
        body="Availability counts a maintenance window.",
        actor=REP,
        now=DRAFTED,
    )
    session.commit()
    assert row.status is AssessmentStatus.UNDER_REVIEW
    with pytest.raises(CommentWindowOpen):
        service.sign(session, assessment_id=row.id, actor=MANAGER, now=DRAFTED)
    with pytest.raises(AppealUnanswered):
        service.sign(session, assessment_id=row.id, actor=MANAGER, now=LATER)
    service.add_comment(
        session,
        scope=Scope.everything(),
        assessment_id=row.id,
        kind=CommentKind.REPLY,
        body="Checked: the window was approved; adjusted.",
        actor=MANAGER,
        now=LATER,
    )
    with pytest.raises(PermissionDenied):
        service.sign(session, assessment_id=row.id, actor=OPERATOR, now=LATER)
    signed = service.sign(session, assessment_id=row.id, actor=MANAGER, now=LATER)
    session.commit()
    assert signed.status is AssessmentStatus.SIGNED
    assert signed.content_hash == service.content_hash(signed)
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == service.ENTITY, AuditEntry.action == "sign")
    ).one()
    assert audit.after is not None
    assert audit.after["content_hash"] == signed.content_hash


def test_adjustment_needs_a_reason_and_moves_the_grade(session: Session) -> None:
    """95 (优秀) adjusted by −6 with a reason → 89 (良好), fee factor 0.98."""
    provider = _provider(session)
    row = _draft(session, provider)
    with pytest.raises(InvalidInput, match="reason"):
        service.adjust(
            session, assessment_id=row.id, points=Decimal(-6), reason="no", actor=MANAGER
        )
    with pytest.raises(InvalidInput, match="±10"):
        service.adjust(
            session,
            assessment_id=row.id,
            points=Decimal(-11),
            reason="a long enough reason",
            actor=MANAGER,
        )
    row = service.adjust(
        session,
        assessment_id=row.id,
        points=Decimal(-6),
        reason="Unreported outage on 2026-05-03 found in the carrier's log",
        actor=MANAGER,
    )
    session.commit()
    assert (row.score, row.grade, row.fee_factor) == (Decimal("89.00"), Grade.GOOD, Decimal("0.98"))
    assert row.computed_score == Decimal("95.00")


def test_signing_locks_and_recomputation_reproduces_the_score(session: Session) -> None:
    """After sign-off: no new draft, no adjustment, no evidence, no comment; recomputing from
    the stored evidence gives exactly the signed score, and billing reads its fee factor."""
    provider = _provider(session)
    row = _draft(session, provider, availability="99.80")  # −15 −3 = 82 → 良好
    signed = service.sign(session, assessment_id=row.id, actor=MANAGER, now=LATER)
    session.commit()
    assert service.recompute(session, signed).total == signed.score == Decimal("82.00")
    with pytest.raises(AssessmentLocked):
        _draft(session, provider)
    session.rollback()
    with pytest.raises(AssessmentLocked):
        service.adjust(
            session,
            assessment_id=row.id,
            points=Decimal(1),
            reason="a long enough reason",
            actor=MANAGER,
        )
    session.rollback()
    with pytest.raises(AssessmentLocked):
        _drill(session, provider)
    session.rollback()
    factor = queries.fee_factor_for(session, provider_id=provider.id, quarter="2026Q2")
    assert (factor.factor, factor.grade) == (Decimal("0.98"), Grade.GOOD)
    none_yet = queries.fee_factor_for(session, provider_id=provider.id, quarter="2026Q3")
    assert none_yet.factor == 1
    assert "no signed assessment" in none_yet.reason


def test_altered_evidence_is_refused_at_sign_off(session: Session) -> None:
    """Someone edits the stored evidence of a draft behind the service's back: signing
    recomputes, finds another score and refuses."""
    provider = _provider(session)
    row = _draft(session, provider)
    evidence = dict(row.evidence)
    evidence["slo.availability_pct"] = {**evidence["slo.availability_pct"], "value": "100"}
    session.execute(
        update(ProviderAssessment).where(ProviderAssessment.id == row.id).values(evidence=evidence)
    )
    session.commit()
    session.expire_all()
    with pytest.raises(ScoreNotReproduced):
        service.sign(session, assessment_id=row.id, actor=MANAGER, now=LATER)


def test_two_consecutive_fails_flag_the_contract(session: Session) -> None:
    provider = _provider(session)
    for quarter, now in (("2026Q1", dt.datetime(2026, 4, 2, tzinfo=dt.UTC)), ("2026Q2", DRAFTED)):
        entries.enter_evidence(
            session,
            scope=Scope.everything(),
            provider_id=provider.id,
            quarter=quarter,
            source="security.major_breaches",
            value=Decimal(1),
            note="data leak from an unpatched gateway",
            actor=OPERATOR,
        )
        row = service.draft_assessment(
            session,
            provider_id=provider.id,
            quarter=quarter,
            actor=OPERATOR,
            monitoring=_monitoring("100"),
            now=now,
        )
        assert row.grade is Grade.FAIL
        if quarter == "2026Q1":
            assert not row.contract_flagged
            service.sign(
                session, assessment_id=row.id, actor=MANAGER, now=now + dt.timedelta(days=11)
            )
        session.commit()
    assert row.contract_flagged


def test_surveys_are_answered_by_the_department_for_itself(session: Session) -> None:
    """Mean of (5,4,4,5,4) × 20 = 88 → 2 short of 90 → −1; a department cannot answer for
    another; incomplete or out-of-range answers are refused naming the question."""
    provider = _provider(session)
    w = factories.world(session)
    mine = Scope(frozenset({w.own.id}), frozenset())
    answers = {"attitude": 5, "response": 4, "resolution": 4, "delivery": 5, "communication": 4}
    entries.answer_survey(
        session,
        scope=mine,
        department_id=w.own.id,
        provider_id=provider.id,
        quarter="2026Q2",
        answers=answers,
        comment="good",
        actor=Actor("dept", 1, Role.DEPARTMENT_ADMIN),
    )
    with pytest.raises(NotFound):
        entries.answer_survey(
            session,
            scope=mine,
            department_id=w.other.id,
            provider_id=provider.id,
            quarter="2026Q2",
            answers=answers,
            comment=None,
            actor=Actor("dept", 1, Role.DEPARTMENT_ADMIN),
        )
    with pytest.raises(InvalidInput) as bad:
        entries.answer_survey(
            session,
            scope=mine,
            department_id=w.own.id,
            provider_id=provider.id,
            quarter="2026Q2",
            answers={**answers, "response": 6, "delivery": True},
            comment=None,
            actor=Actor("dept", 1, Role.DEPARTMENT_ADMIN),
        )
    assert {p.field for p in bad.value.problems} == {"answers.response", "answers.delivery"}
    session.commit()
    row = _draft(session, provider, availability="100")
    assert row.evidence["surveys.satisfaction_pct"]["value"] == "88.00"
    assert row.score == Decimal("96.00")  # −1 survey, −3 no drill


def test_entered_evidence_is_validated_and_scoped(session: Session) -> None:
    provider = _provider(session)
    other = _provider(session, "prov-b")
    with pytest.raises(InvalidInput) as bad:
        entries.enter_evidence(
            session,
            scope=Scope.everything(),
            provider_id=provider.id,
            quarter="2026Q2",
            source="slo.availability_pct",
            value=Decimal("101"),
            note=" ",
            actor=OPERATOR,
        )
    assert {p.field for p in bad.value.problems} == {"source", "value", "note"}
    with pytest.raises(InvalidInput, match="percentage"):
        entries.enter_evidence(
            session,
            scope=Scope.everything(),
            provider_id=provider.id,
            quarter="2026Q2",
            source="backups.success_pct",
            value=Decimal("100.5"),
            note="x",
            actor=OPERATOR,
        )
    with pytest.raises(NotFound):
        entries.enter_evidence(
            session,
            scope=Scope.provider(other.id),
            provider_id=provider.id,
            quarter="2026Q2",
            source="backups.success_pct",
            value=Decimal("99"),
            note="x",
            actor=REP,
        )

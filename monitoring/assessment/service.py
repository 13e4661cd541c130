"""The assessment workflow: draft → comments and appeals → review and adjustment → sign-off.

A draft is computed from the evidence when the quarter closes (or again on demand while it is
a draft).  The provider may comment or appeal until ``comments_close_at``; an appeal must be
answered before signing; the manager may adjust the score by at most ``MAX_ADJUSTMENT`` points
with a written reason, and signs.  Signing recomputes the score from the stored evidence and
refuses if it differs, then locks the assessment and writes its content hash to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.database import utcnow
from infra.errors import (
    AT_LEAST_CHARS,
    AT_MOST_CHARS,
    REQUIRED,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from infra.events.service import publish
from infra.inventory.models import Provider
from infra.tenancy.enums import Role
from infra.tenancy.scope import Scope
from monitoring.assessment import evidence as evidence_mod
from monitoring.assessment.enums import AssessmentStatus, CommentKind, Grade
from monitoring.assessment.events import AssessmentSigned
from monitoring.assessment.exceptions import (
    ADJUSTMENT_RANGE,
    HUNDREDTHS,
    QUARTER_NOT_OVER,
    AppealUnanswered,
    AssessmentLocked,
    CommentWindowClosed,
    CommentWindowOpen,
    ScoreNotReproduced,
)
from monitoring.assessment.models import (
    AssessmentComment,
    ProviderAssessment,
)
from monitoring.assessment.quarters import previous_quarters, quarter_period
from monitoring.assessment.scheme import Scheme
from monitoring.assessment.schemes import current_scheme, scheme_version
from monitoring.assessment.scoring import Result, flags_contract, score

ENTITY: Final = "provider_assessment"
COMMENT_WINDOW: Final = dt.timedelta(days=10)
MAX_ADJUSTMENT: Final = Decimal(10)
OFFICE_REPLIERS: Final = frozenset({Role.MANAGER, Role.OPERATOR})


# -- reading ------------------------------------------------------------------------------------


def get_assessment(
    session: Session, *, scope: Scope, assessment_id: int, lock: bool = False
) -> ProviderAssessment:
    """The assessment, if its provider is visible (else not found)."""
    query = select(ProviderAssessment).where(ProviderAssessment.id == assessment_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not scope.allows_provider(row.provider_id):
        raise NotFound("assessment", assessment_id)
    return row


def comments(session: Session, *, assessment_id: int) -> list[AssessmentComment]:
    return list(
        session.scalars(
            select(AssessmentComment)
            .where(AssessmentComment.assessment_id == assessment_id)
            .order_by(AssessmentComment.at, AssessmentComment.id)
        )
    )


def _provider_name(session: Session, provider_id: int) -> str:
    provider = session.get(Provider, provider_id)
    return provider.code if provider else str(provider_id)


# -- drafting -----------------------------------------------------------------------------------


def _signed_grades(session: Session, provider_id: int, quarters: list[str]) -> list[Grade]:
    found = session.execute(
        select(ProviderAssessment.quarter, ProviderAssessment.grade).where(
            ProviderAssessment.provider_id == provider_id,
            ProviderAssessment.quarter.in_(quarters),
            ProviderAssessment.status == AssessmentStatus.SIGNED,
        )
    )
    rows = dict(found.all())
    return [rows[q] for q in quarters if q in rows]


def _apply(row: ProviderAssessment, result: Result, scheme: Scheme, history: list[Grade]) -> None:
    row.scheme_version = scheme.version
    row.breakdown = result.to_dict()
    row.score = result.total
    row.grade = result.grade
    row.fee_factor = result.fee_factor
    row.contract_flagged = flags_contract([*history, result.grade], scheme.consecutive_fails_flag)


def draft_assessment(
    session: Session,
    *,
    provider_id: int,
    quarter: str,
    actor: Actor,
    monitoring: evidence_mod.MonitoringCollector,
    now: dt.datetime | None = None,
) -> ProviderAssessment:
    """Compute (or recompute, while still a draft) the provider's assessment for ``quarter``."""
    now = now or utcnow()
    start, end = quarter_period(quarter)
    if now < end:
        raise InvalidInput.one(
            "quarter",
            f"{quarter} has not ended yet",
            code=QUARTER_NOT_OVER,
            params={"quarter": quarter},
        )
    if session.get(Provider, provider_id) is None:
        raise NotFound("provider", provider_id)
    scheme = current_scheme(session, actor=actor)
    figures = evidence_mod.collect(
        session,
        provider_id=provider_id,
        quarter=quarter,
        start=start,
        end=end,
        monitoring=monitoring,
    )
    row = session.scalars(
        select(ProviderAssessment)
        .where(ProviderAssessment.provider_id == provider_id, ProviderAssessment.quarter == quarter)
        .with_for_update()
    ).first()
    if row is not None and row.status.locked:
        raise AssessmentLocked(_provider_name(session, provider_id), quarter)
    adjustment = row.adjustment if row is not None else Decimal(0)
    result = score(scheme, figures, adjustment=adjustment)
    history = _signed_grades(
        session, provider_id, previous_quarters(quarter, scheme.consecutive_fails_flag - 1)
    )
    before = None if row is None else snapshot(row)
    if row is None:
        row = ProviderAssessment(
            provider_id=provider_id,
            quarter=quarter,
            period_start=start,
            period_end=end,
            status=AssessmentStatus.DRAFT,
            adjustment=Decimal(0),
            comments_close_at=now + COMMENT_WINDOW,
            drafted_at=now,
        )
        session.add(row)
    row.evidence = evidence_mod.figures_to_json(figures)
    row.computed_score = score(scheme, figures).total
    _apply(row, result, scheme, history)
    session.flush()
    record(
        session,
        actor=actor,
        action="draft" if before is None else "recompute",
        entity=ENTITY,
        entity_id=row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def recompute(session: Session, row: ProviderAssessment) -> Result:
    """Score the stored evidence again under the scheme version it was scored with."""
    scheme = scheme_version(session, row.scheme_version)
    return score(scheme, evidence_mod.figures_from_json(row.evidence), adjustment=row.adjustment)


# -- the provider's voice -----------------------------------------------------------------------


def add_comment(
    session: Session,
    *,
    scope: Scope,
    assessment_id: int,
    kind: CommentKind,
    body: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> AssessmentComment:
    """The provider comments or appeals inside the window; the office replies until sign-off."""
    now = now or utcnow()
    row = get_assessment(session, scope=scope, assessment_id=assessment_id, lock=True)
    quarter = row.quarter
    if row.status.locked:
        raise AssessmentLocked(_provider_name(session, row.provider_id), quarter)
    if kind is CommentKind.REPLY:
        if actor.role not in OFFICE_REPLIERS:
            raise PermissionDenied("only the cloud office replies to a provider")
    else:
        if actor.role != Role.PROVIDER_REP:
            raise PermissionDenied("only the provider comments on or appeals its assessment")
        if now >= row.comments_close_at:
            raise CommentWindowClosed(quarter, row.comments_close_at.isoformat())
    text = body.strip()
    if not text:
        raise InvalidInput.one(
            "body", "say what you want to say (1–4000 characters)", code=REQUIRED
        )
    if len(text) > 4000:
        raise InvalidInput.one(
            "body", "at most 4000 characters", code=AT_MOST_CHARS, params={"count": 4000}
        )
    comment = AssessmentComment(
        assessment_id=row.id,
        kind=kind,
        body=text,
        author=actor.username,
        author_id=actor.user_id,
        at=now,
    )
    session.add(comment)
    if kind is CommentKind.APPEAL:
        row.status = AssessmentStatus.UNDER_REVIEW
    session.flush()
    record(
        session,
        actor=actor,
        action=kind.value,
        entity=ENTITY,
        entity_id=row.id,
        after={"comment_id": comment.id, "kind": kind.value, "body": text},
    )
    return comment


def _open_appeal(session: Session, assessment_id: int) -> bool:
    """An appeal without a reply after it."""
    waiting = False
    for comment in comments(session, assessment_id=assessment_id):
        if comment.kind is CommentKind.APPEAL:
            waiting = True
        elif comment.kind is CommentKind.REPLY:
            waiting = False
    return waiting


# -- review and sign-off ------------------------------------------------------------------------


def adjust(
    session: Session,
    *,
    assessment_id: int,
    points: Decimal,
    reason: str,
    actor: Actor,
) -> ProviderAssessment:
    """The manager moves the score by at most ±10 points, saying why in writing."""
    if actor.role != Role.MANAGER:
        raise PermissionDenied("only a manager adjusts an assessment")
    row = get_assessment(session, scope=Scope.everything(), assessment_id=assessment_id, lock=True)
    if row.status.locked:
        raise AssessmentLocked(_provider_name(session, row.provider_id), row.quarter)
    if abs(points) > MAX_ADJUSTMENT:
        raise InvalidInput.one(
            "points",
            f"an adjustment is at most ±{MAX_ADJUSTMENT} points",
            code=ADJUSTMENT_RANGE,
            params={"maximum": MAX_ADJUSTMENT},
        )
    if points != points.quantize(Decimal("0.01")):
        raise InvalidInput.one("points", "to the hundredth of a point at most", code=HUNDREDTHS)
    why = reason.strip()
    if len(why) < 10:
        raise InvalidInput.one(
            "reason",
            "a written reason of at least 10 characters is required",
            code=AT_LEAST_CHARS,
            params={"count": 10},
        )
    before = snapshot(row)
    row.adjustment = points
    row.adjustment_reason = why
    scheme = scheme_version(session, row.scheme_version)
    result = recompute(session, row)
    history = _signed_grades(
        session, row.provider_id, previous_quarters(row.quarter, scheme.consecutive_fails_flag - 1)
    )
    _apply(row, result, scheme, history)
    session.flush()
    record(
        session,
        actor=actor,
        action="adjust",
        entity=ENTITY,
        entity_id=row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def content_hash(row: ProviderAssessment) -> str:
    canonical = json.dumps(
        {
            "breakdown": row.breakdown,
            "evidence": row.evidence,
            "quarter": row.quarter,
            "provider_id": row.provider_id,
            "adjustment_reason": row.adjustment_reason,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def sign(
    session: Session,
    *,
    assessment_id: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> ProviderAssessment:
    """Lock the assessment: its grade's fee factor now applies to the quarter's settlement."""
    now = now or utcnow()
    if actor.role != Role.MANAGER:
        raise PermissionDenied("only a manager signs an assessment")
    row = get_assessment(session, scope=Scope.everything(), assessment_id=assessment_id, lock=True)
    if row.status.locked:
        raise AssessmentLocked(_provider_name(session, row.provider_id), row.quarter)
    if now < row.comments_close_at:
        raise CommentWindowOpen(row.quarter, row.comments_close_at.isoformat())
    if _open_appeal(session, row.id):
        raise AppealUnanswered(row.quarter)
    result = recompute(session, row)
    if result.total != row.score:
        raise ScoreNotReproduced(str(row.score), str(result.total))
    before = snapshot(row)
    row.status = AssessmentStatus.SIGNED
    row.signed_at = now
    row.signed_by = actor.username
    row.signed_by_id = actor.user_id
    row.content_hash = content_hash(row)
    session.flush()
    publish(
        session,
        AssessmentSigned(
            assessment_id=row.id,
            provider_id=row.provider_id,
            quarter=row.quarter,
            grade=row.grade.value,
            fee_factor=str(row.fee_factor),
            at=now,
        ),
    )
    record(
        session,
        actor=actor,
        action="sign",
        entity=ENTITY,
        entity_id=row.id,
        before=before,
        after={**snapshot(row), "content_hash": row.content_hash},
    )
    return row

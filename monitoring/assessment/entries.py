"""What people put in: evidence entered by operators or providers, and departments' surveys."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.errors import (
    AT_MOST_AMOUNT,
    AT_MOST_CHARS,
    NOT_OFFERED,
    REQUIRED,
    FieldProblem,
    InvalidInput,
    NotFound,
)
from infra.inventory.models import Provider
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from monitoring.assessment.enums import AssessmentStatus
from monitoring.assessment.exceptions import (
    ANSWER_ONE_TO_FIVE,
    AT_MOST_DECIMALS,
    NOT_NEGATIVE,
    AssessmentLocked,
)
from monitoring.assessment.models import EvidenceEntry, ProviderAssessment, SurveyResponse
from monitoring.assessment.quarters import quarter_period
from monitoring.assessment.sources import BONUS_SOURCE, SOURCES, Origin
from monitoring.assessment.surveys import QUESTIONS

MAX_ATTACHMENT_BYTES: Final = 5 * 1024 * 1024
ENTERABLE: Final = frozenset(
    {name for name, s in SOURCES.items() if s.origin is Origin.ENTERED} | {BONUS_SOURCE}
)


def _signed(session: Session, provider_id: int, quarter: str) -> bool:
    return (
        session.scalar(
            select(ProviderAssessment.id).where(
                ProviderAssessment.provider_id == provider_id,
                ProviderAssessment.quarter == quarter,
                ProviderAssessment.status == AssessmentStatus.SIGNED,
            )
        )
        is not None
    )


def _provider(session: Session, scope: Scope, provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None or not scope.allows_provider(provider_id):
        raise NotFound("provider", provider_id)
    return provider


def enter_evidence(
    session: Session,
    *,
    scope: Scope,
    provider_id: int,
    quarter: str,
    source: str,
    value: Decimal,
    note: str,
    actor: Actor,
    attachment: tuple[str, str, bytes] | None = None,
) -> EvidenceEntry:
    """Record one figure (with what backs it) for a provider's quarter, until it is signed."""
    provider = _provider(session, scope, provider_id)
    quarter_period(quarter)
    problems: list[FieldProblem] = []
    if source not in ENTERABLE:
        problems.append(
            FieldProblem(
                "source",
                f"one of {', '.join(sorted(ENTERABLE))} (others are computed)",
                NOT_OFFERED,
            )
        )
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        problems.append(FieldProblem("value", "a decimal number of at least 0", NOT_NEGATIVE))
    elif source in SOURCES and SOURCES[source].unit == "%" and value > 100:
        problems.append(
            FieldProblem("value", "a percentage is at most 100", AT_MOST_AMOUNT, {"maximum": 100})
        )
    elif source == BONUS_SOURCE and value > 5:
        problems.append(
            FieldProblem("value", "a bonus is at most 5 points", AT_MOST_AMOUNT, {"maximum": 5})
        )
    elif value != value.quantize(Decimal("0.0001")):
        problems.append(
            FieldProblem("value", "at most four decimal places", AT_MOST_DECIMALS, {"places": 4})
        )
    text = note.strip()
    if not 1 <= len(text) <= 2000:
        problems.append(
            FieldProblem(
                "note",
                "say what the figure rests on (1–2000 characters)",
                REQUIRED if not text else AT_MOST_CHARS,
                {"count": 2000},
            )
        )
    if attachment is not None and len(attachment[2]) > MAX_ATTACHMENT_BYTES:
        problems.append(FieldProblem("attachment", "at most 5 MiB"))
    if problems:
        raise InvalidInput(*problems)
    if _signed(session, provider_id, quarter):
        raise AssessmentLocked(provider.code, quarter)
    row = EvidenceEntry(
        provider_id=provider_id,
        quarter=quarter,
        source=source,
        value=value,
        note=text,
        entered_by=actor.username,
        entered_by_id=actor.user_id,
    )
    if attachment is not None:
        name, content_type, data = attachment
        row.attachment_name = name[:200]
        row.attachment_type = content_type[:100]
        row.attachment = data
        row.attachment_sha256 = hashlib.sha256(data).hexdigest()
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="assessment_evidence",
        entity_id=row.id,
        after={
            "provider_id": provider_id,
            "quarter": quarter,
            "source": source,
            "value": str(value),
            "note": text,
            "attachment_sha256": row.attachment_sha256,
        },
    )
    return row


def answer_survey(
    session: Session,
    *,
    scope: Scope,
    department_id: int,
    provider_id: int,
    quarter: str,
    answers: dict[str, int],
    comment: str | None,
    actor: Actor,
) -> SurveyResponse:
    """A department rates a provider for a quarter (one answer set, replaced until signed)."""
    if session.get(Department, department_id) is None or not scope.allows(department_id):
        raise NotFound("department", department_id)
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("provider", provider_id)
    quarter_period(quarter)
    problems = [
        FieldProblem(
            f"answers.{key}",
            "answer every question with 1 (very dissatisfied) to 5",
            ANSWER_ONE_TO_FIVE,
        )
        for key in QUESTIONS
        if type(answers.get(key)) is not int or not 1 <= answers[key] <= 5
    ]
    problems += [
        FieldProblem(f"answers.{key}", "not a question of this survey")
        for key in answers
        if key not in QUESTIONS
    ]
    if comment is not None and len(comment) > 2000:
        problems.append(
            FieldProblem("comment", "at most 2000 characters", AT_MOST_CHARS, {"count": 2000})
        )
    if problems:
        raise InvalidInput(*problems)
    if _signed(session, provider_id, quarter):
        raise AssessmentLocked(provider.code, quarter)
    row = session.scalars(
        select(SurveyResponse)
        .where(
            SurveyResponse.provider_id == provider_id,
            SurveyResponse.department_id == department_id,
            SurveyResponse.quarter == quarter,
        )
        .with_for_update()
    ).first()
    action = "update" if row is not None else "create"
    if row is None:
        row = SurveyResponse(provider_id=provider_id, department_id=department_id, quarter=quarter)
        session.add(row)
    row.answers = {key: answers[key] for key in QUESTIONS}
    row.comment = comment.strip() if comment else None
    row.answered_by = actor.username
    row.answered_by_id = actor.user_id
    session.flush()
    record(
        session,
        actor=actor,
        action=action,
        entity="satisfaction_survey",
        entity_id=row.id,
        after={"provider_id": provider_id, "quarter": quarter, "answers": row.answers},
        department_id=department_id,
    )
    return row

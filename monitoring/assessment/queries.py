"""Read models for the assessment pages and for billing's settlements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.inventory.models import Provider
from infra.tenancy.scope import Scope
from monitoring.assessment.enums import AssessmentStatus, Grade
from monitoring.assessment.models import ProviderAssessment


@dataclass(frozen=True)
class FeeFactor:
    """What a settlement multiplies the quarter's contract fee by, and why."""

    factor: Decimal
    grade: Grade | None
    reason: str


def fee_factor_for(session: Session, *, provider_id: int, quarter: str) -> FeeFactor:
    """The signed grade's fee factor; 1 until the quarter's assessment is signed."""
    row = session.scalars(
        select(ProviderAssessment).where(
            ProviderAssessment.provider_id == provider_id,
            ProviderAssessment.quarter == quarter,
            ProviderAssessment.status == AssessmentStatus.SIGNED,
        )
    ).first()
    if row is None:
        return FeeFactor(Decimal(1), None, f"no signed assessment for {quarter}: factor 1")
    return FeeFactor(
        row.fee_factor,
        row.grade,
        f"{quarter} signed {row.grade.chinese} ({row.score}): factor {row.fee_factor}",
    )


@dataclass(frozen=True)
class OverviewRow:
    assessment_id: int
    provider_id: int
    provider_code: str
    provider_name: str
    provider_name_en: str | None
    quarter: str
    score: Decimal
    grade: Grade
    fee_factor: Decimal
    status: AssessmentStatus
    contract_flagged: bool


def overview(session: Session, *, scope: Scope, quarter: str | None = None) -> list[OverviewRow]:
    """Every visible provider's assessments (one quarter, or all), newest quarter first."""
    query = (
        select(ProviderAssessment, Provider)
        .join(Provider, Provider.id == ProviderAssessment.provider_id)
        .where(scope.where_provider(ProviderAssessment.provider_id))
        .order_by(ProviderAssessment.quarter.desc(), Provider.code)
    )
    if quarter is not None:
        query = query.where(ProviderAssessment.quarter == quarter)
    return [
        OverviewRow(
            assessment_id=a.id,
            provider_id=p.id,
            provider_code=p.code,
            provider_name=p.name,
            provider_name_en=p.name_en,
            quarter=a.quarter,
            score=a.score,
            grade=a.grade,
            fee_factor=a.fee_factor,
            status=a.status,
            contract_flagged=a.contract_flagged,
        )
        for a, p in session.execute(query)
    ]


def trend(session: Session, *, provider_id: int) -> list[tuple[str, Decimal, Grade]]:
    """The provider's signed scores over quarters, oldest first (for the report's trend)."""
    rows = session.execute(
        select(ProviderAssessment.quarter, ProviderAssessment.score, ProviderAssessment.grade)
        .where(
            ProviderAssessment.provider_id == provider_id,
            ProviderAssessment.status == AssessmentStatus.SIGNED,
        )
        .order_by(ProviderAssessment.quarter)
    )
    return [(quarter, score, grade) for quarter, score, grade in rows]

"""The quarter-end draft: when a quarter closes, every provider gets a computed draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from infra.audit.actor import Actor
from infra.inventory.models import Provider
from infra.labels import N_
from infra.schedules.types import Schedule, ScheduleContext, quarterly
from monitoring.assessment.collectors import monitoring_figures
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.quarters import quarter_of
from monitoring.assessment.service import draft_assessment

ACTOR = Actor.system("assessment")


def draft_quarter(context: ScheduleContext) -> dict[str, Any]:
    """Draft (or refresh, while drafts) the assessments of the quarter that just ended."""
    quarter = quarter_of(context.period_start)
    drafted: list[str] = []
    with context.job.session() as session:
        providers = session.scalars(select(Provider).order_by(Provider.code)).all()
        signed = set(
            session.scalars(
                select(ProviderAssessment.provider_id).where(
                    ProviderAssessment.quarter == quarter,
                    ProviderAssessment.signed_at.is_not(None),
                )
            )
        )
        for provider in providers:
            if provider.id in signed:
                continue
            draft_assessment(
                session,
                provider_id=provider.id,
                quarter=quarter,
                actor=ACTOR,
                monitoring=monitoring_figures,
            )
            drafted.append(provider.code)
    context.job.log(f"drafted {quarter} for {len(drafted)} providers", providers=drafted)
    return {"quarter": quarter, "drafted": drafted}


SCHEDULES = (
    Schedule(
        name="assessment.quarterly_draft",
        period=quarterly(),
        handler=draft_quarter,
        description=N_("Draft every provider's assessment when a quarter closes"),
    ),
)

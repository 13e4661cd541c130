"""Settlements follow the quarterly assessment: a month is settled at its close with factor 1
("no signed assessment", provisional), and when the quarter's grade is signed the provisional
settlements of its months take the grade's factor — audited, once (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.rating.schemas import to_fen
from billing.settlements.models import Settlement
from billing.settlements.service import NO_ASSESSMENT, fee_factor_for
from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.events.types import Event, Subscription
from monitoring.assessment.events import AssessmentSigned

ACTOR = Actor.system("billing")


def apply_grade(session: Session, event: Event) -> None:
    """Give the quarter's provisional settlements the signed grade's fee factor."""
    assert isinstance(event, AssessmentSigned)
    factor = fee_factor_for(session, event.provider_id, event.quarter)
    if factor.reason == NO_ASSESSMENT:  # not signed (any more): nothing to apply
        return
    provisional = session.scalars(
        select(Settlement)
        .where(
            Settlement.provider_id == event.provider_id,
            Settlement.quarter == event.quarter,
            Settlement.factor_reason == NO_ASSESSMENT,
        )
        .order_by(Settlement.month)
        .with_for_update()
    )
    for row in provisional:
        before = snapshot(row)
        row.fee_factor = Decimal(factor.factor)
        row.factor_reason = factor.reason
        row.adjusted_fee = to_fen(row.contract_fee * factor.factor)
        row.amount = row.adjusted_fee + row.variable_cost
        session.flush()
        record(
            session,
            actor=ACTOR,
            action="regrade",
            entity="settlement",
            entity_id=row.id,
            before=before,
            after=snapshot(row),
        )


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("billing.settlements.apply_grade", AssessmentSigned, apply_grade),
)

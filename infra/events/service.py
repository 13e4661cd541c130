"""Publishing events: one outbox row in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.events.models import OutboxEvent
from infra.events.types import Event


def publish(session: Session, event: Event) -> OutboxEvent:
    """Record ``event`` in the caller's transaction: it exists if and only if the caller commits."""
    row = OutboxEvent(
        type=event.type,
        aggregate=event.aggregate,
        aggregate_id=event.aggregate_id(),
        payload=event.model_dump(mode="json"),
        occurred_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row

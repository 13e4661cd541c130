"""Publishing events (one outbox row in the caller's transaction), and reading deliveries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.events.dispatch import installed
from infra.events.enums import DeliveryStatus
from infra.events.models import EventDelivery, OutboxEvent
from infra.events.types import Event

DELIVER_KIND = "events.deliver"
_SUBMITTED = "govcloud.events.delivery_submitted"


def publish(session: Session, event: Event) -> OutboxEvent:
    """Record ``event`` in the caller's transaction: it exists if and only if the caller commits.

    The first event a transaction publishes also submits one delivery job in that transaction
    (so it runs only if the caller commits); the periodic sweep catches anything it misses.
    The job is submitted only when this process installed subscriptions that want the event
    (the panel, the worker and the CLI install the registry's as they start); a bare script
    that installed none leaves its events to the sweep.
    """
    row = OutboxEvent(
        type=event.type,
        aggregate=event.aggregate,
        aggregate_id=event.aggregate_id(),
        payload=event.model_dump(mode="json"),
        occurred_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _request_delivery(session, row)
    return row


def _request_delivery(session: Session, row: OutboxEvent) -> None:
    subscriptions = installed()
    if subscriptions is None or not any(s.event.type == row.type for s in subscriptions):
        return
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_SUBMITTED) is transaction:
        return
    from infra.audit.actor import Actor
    from infra.jobs.service import submit_job

    submit_job(
        session,
        kind=DELIVER_KIND,
        title="Deliver events",
        params={"first_event_id": row.id},
        actor=Actor.system("events"),
    )
    session.info[_SUBMITTED] = transaction


# -- reading and redelivering -------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryView:
    event: OutboxEvent
    delivery: EventDelivery


def list_deliveries(
    session: Session, *, status: DeliveryStatus | None = None, limit: int = 100
) -> list[DeliveryView]:
    """Delivery records, newest first (``status`` narrows them: ``gave_up`` shows poison)."""
    query = select(EventDelivery, OutboxEvent).join(
        OutboxEvent, OutboxEvent.id == EventDelivery.event_id
    )
    if status is not None:
        query = query.where(EventDelivery.status == status)
    rows = session.execute(query.order_by(EventDelivery.id.desc()).limit(limit)).all()
    return [DeliveryView(event=event, delivery=delivery) for delivery, event in rows]


def redeliver(session: Session, *, event_id: int, subscription: str | None = None) -> int:
    """Make the event's failed or given-up deliveries due now, with a fresh count of attempts;
    returns how many.  Delivered ones stay delivered."""
    query = (
        update(EventDelivery)
        .where(
            EventDelivery.event_id == event_id,
            EventDelivery.status != DeliveryStatus.DELIVERED,
        )
        .values(status=DeliveryStatus.RETRYING, attempts=0, next_attempt_at=None)
    )
    if subscription is not None:
        query = query.where(EventDelivery.subscription == subscription)
    return int(getattr(session.execute(query), "rowcount", 0) or 0)

"""Delivering outbox events to subscriptions: at least once, in order per aggregate.

Each (subscription, event) is tried in a writer transaction of its own that also writes the
``delivered`` record, so an effect and its record commit together: a handler that only touches
the database has its effect exactly once, however often delivery is retried or raced.  A
failure rolls the effect back and is recorded in a second transaction (attempts, the error,
when to try again: exponential backoff).  After ``max_attempts`` the event is *given up*
(a poison event, shown by ``govcloud events list``); the later events of the same aggregate wait
for it — a subscription never sees event n+1 of an aggregate before n succeeded — while other
aggregates flow on.

Ordering relies on the publishers: a writer locks the aggregate it changes before it publishes,
so two events of one aggregate get outbox ids in commit order.  Two dispatchers (two workers,
the delivery job and the sweep) may run at once; they take turns per subscription × aggregate
through :func:`infra.database.serialize_on` (SQLite's writers take turns anyway).

The subscriptions come from the top floor (``portal_api.registry.SUBSCRIPTIONS``): the panel,
the worker and the CLI call :func:`install` when they start, and the delivery job and the sweep
read them from there — this floor never imports the one above.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from infra.database import serialize_on, utcnow
from infra.events.enums import DeliveryStatus
from infra.events.models import EventDelivery, OutboxEvent
from infra.events.types import Subscription

log = logging.getLogger(__name__)

Opener = Callable[[], AbstractContextManager[Session]]
"""Opens a writer transaction (committed on success): ``JobContext.session`` or
``lambda: session_scope(factory)``."""

MAX_ATTEMPTS = 8
BACKOFF_FIRST_S = 10
BACKOFF_CAP_S = 3600
ERROR_CHARS = 4000

_installed: tuple[Subscription, ...] | None = None


def install(subscriptions: Iterable[Subscription] | None) -> None:
    """Make ``subscriptions`` this process's subscriptions (None: none installed)."""
    global _installed
    if subscriptions is None:
        _installed = None
        return
    subs = tuple(subscriptions)
    names = [s.name for s in subs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"subscription names must be unique: {duplicates}")
    _installed = subs


def installed() -> tuple[Subscription, ...] | None:
    """The subscriptions :func:`install` gave this process, or None if it gave none."""
    return _installed


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: 10 s, 20 s, 40 s … at most an hour."""
    return dt.timedelta(seconds=min(BACKOFF_FIRST_S * 2 ** max(attempts - 1, 0), BACKOFF_CAP_S))


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    GAVE_UP = "gave_up"
    WAITING = "waiting"  # a retry not yet due, a poison event, or an earlier event ahead of it


@dataclass
class DispatchReport:
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "failed": self.failed,
            "gave_up": self.gave_up,
            "waiting": self.waiting,
            "errors": self.errors[:20],
        }


def _delivered(subscription: str) -> Any:
    done = aliased(EventDelivery)
    return (
        exists()
        .where(
            done.subscription == subscription,
            done.event_id == OutboxEvent.id,
            done.status == DeliveryStatus.DELIVERED,
        )
        .correlate(OutboxEvent)
    )


@dataclass(frozen=True)
class _Pending:
    id: int
    aggregate: str
    aggregate_id: str
    status: DeliveryStatus | None
    next_attempt_at: dt.datetime | None


def _pending(session: Session, subscription: Subscription, limit: int) -> list[_Pending]:
    rows = session.execute(
        select(
            OutboxEvent.id,
            OutboxEvent.aggregate,
            OutboxEvent.aggregate_id,
            EventDelivery.status,
            EventDelivery.next_attempt_at,
        )
        .outerjoin(
            EventDelivery,
            and_(
                EventDelivery.event_id == OutboxEvent.id,
                EventDelivery.subscription == subscription.name,
            ),
        )
        .where(OutboxEvent.type == subscription.event.type, ~_delivered(subscription.name))
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()
    return [_Pending(*row) for row in rows]


def _not_due(status: DeliveryStatus | None, next_at: dt.datetime | None, now: dt.datetime) -> bool:
    return status is DeliveryStatus.GAVE_UP or (next_at is not None and next_at > now)


def deliver_pending(
    open_tx: Opener,
    subscriptions: Sequence[Subscription],
    *,
    now: dt.datetime | None = None,
    limit: int = 1000,
    max_attempts: int = MAX_ATTEMPTS,
) -> DispatchReport:
    """Try every due (subscription, event) once, oldest first; returns what happened."""
    now = now or utcnow()
    report = DispatchReport()
    for subscription in subscriptions:
        with open_tx() as session:
            pending = _pending(session, subscription, limit)
        blocked: set[tuple[str, str]] = set()
        for item in pending:
            key = (item.aggregate, item.aggregate_id)
            if key in blocked or _not_due(item.status, item.next_attempt_at, now):
                blocked.add(key)
                report.count(Outcome.WAITING)
                continue
            outcome, error = deliver_one(
                open_tx, subscription, event_id=item.id, now=now, max_attempts=max_attempts
            )
            report.count(outcome)
            if error:
                report.errors.append(f"{subscription.name} event {item.id}: {error}")
            if outcome is not Outcome.DELIVERED:
                blocked.add(key)
    return report


def _lock(session: Session, subscription: Subscription, event: OutboxEvent) -> EventDelivery | None:
    serialize_on(session, f"events:{subscription.name}:{event.aggregate}:{event.aggregate_id}")
    return session.scalar(
        select(EventDelivery)
        .where(EventDelivery.subscription == subscription.name, EventDelivery.event_id == event.id)
        .with_for_update()
    )


def _earlier_undelivered(session: Session, subscription: Subscription, event: OutboxEvent) -> bool:
    return (
        session.scalar(
            select(OutboxEvent.id)
            .where(
                OutboxEvent.type == event.type,
                OutboxEvent.aggregate == event.aggregate,
                OutboxEvent.aggregate_id == event.aggregate_id,
                OutboxEvent.id < event.id,
                ~_delivered(subscription.name),
            )
            .limit(1)
        )
        is not None
    )


def deliver_one(
    open_tx: Opener,
    subscription: Subscription,
    *,
    event_id: int,
    now: dt.datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> tuple[Outcome, str | None]:
    """Deliver one event to one subscription, or record why not; (outcome, error)."""
    now = now or utcnow()
    try:
        with open_tx() as session:
            event = session.get(OutboxEvent, event_id)
            if event is None:
                return Outcome.WAITING, None
            row = _lock(session, subscription, event)
            if row is not None and row.status is DeliveryStatus.DELIVERED:
                return Outcome.DELIVERED, None
            if row is not None and _not_due(row.status, row.next_attempt_at, now):
                return Outcome.WAITING, None
            if _earlier_undelivered(session, subscription, event):
                return Outcome.WAITING, None
            subscription.handler(session, subscription.event.model_validate(event.payload))
            if row is None:
                row = EventDelivery(subscription=subscription.name, event_id=event.id, attempts=0)
                session.add(row)
            row.status, row.attempts = DeliveryStatus.DELIVERED, (row.attempts or 0) + 1
            row.delivered_at = row.last_attempt_at = now
            row.next_attempt_at = None
            session.flush()
        return Outcome.DELIVERED, None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        log.warning("event %s to %s failed: %s", event_id, subscription.name, error)
        return _record_failure(open_tx, subscription, event_id, error, now, max_attempts), error


def _record_failure(
    open_tx: Opener,
    subscription: Subscription,
    event_id: int,
    error: str,
    now: dt.datetime,
    max_attempts: int,
) -> Outcome:
    with open_tx() as session:
        event = session.get(OutboxEvent, event_id)
        if event is None:
            return Outcome.WAITING
        row = _lock(session, subscription, event)
        if row is not None and row.status is DeliveryStatus.DELIVERED:
            return Outcome.DELIVERED  # another dispatcher got there first
        if row is None:
            row = EventDelivery(subscription=subscription.name, event_id=event_id, attempts=0)
            session.add(row)
        row.attempts = (row.attempts or 0) + 1
        row.last_error, row.last_attempt_at = error, now
        if row.attempts >= max_attempts:
            row.status, row.next_attempt_at = DeliveryStatus.GAVE_UP, None
        else:
            row.status, row.next_attempt_at = DeliveryStatus.RETRYING, now + backoff(row.attempts)
        session.flush()
        return Outcome.GAVE_UP if row.status is DeliveryStatus.GAVE_UP else Outcome.FAILED

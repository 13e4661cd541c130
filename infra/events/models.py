"""The outbox: events written in the publisher's transaction, delivered after it commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.events.enums import DeliveryStatus


class OutboxEvent(Base):
    """One published event; ``id`` orders events (and so the events of one aggregate)."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_aggregate", "aggregate", "aggregate_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    type: Mapped[str] = mapped_column(String(80), index=True)
    aggregate: Mapped[str] = mapped_column(String(60))
    aggregate_id: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventDelivery(Base):
    """One event as one subscription saw it.

    A row appears at the first attempt.  A ``delivered`` row is written in the same transaction
    as the handler's effect, so for handlers that only touch the database the effect happens
    exactly once; failures are recorded in a transaction of their own (the effect rolled back).
    """

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription", "event_id", name="uq_event_deliveries_subscription"),
        Index("ix_event_deliveries_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscription: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("outbox_events.id", ondelete="CASCADE"),
        index=True,
    )
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

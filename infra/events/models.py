"""The outbox: events written in the publisher's transaction, delivered after it commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow


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

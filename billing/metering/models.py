"""Usage intervals: how much of one service a department held, from when to when (to the minute).

Opened and closed by the request events (``metering/subscriptions.py``).  ``recorded_at`` is
when the row was written, so usage that reaches a closed month late is found and billed as an
adjustment in the next one; no interval ever touches an issued invoice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.ratecards.enums import ServiceType
from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.inventory.enums import NetworkZone


class UsageInterval(Base):
    __tablename__ = "usage_intervals"
    __table_args__ = (
        UniqueConstraint("allocation_id", "service", "started_at"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="interval_order"),
        Index("ix_usage_intervals_request_open", "request_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    request_id: Mapped[int] = mapped_column(ForeignKey("resource_requests.id", ondelete="RESTRICT"))
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("allocations.id", ondelete="RESTRICT"), index=True
    )
    service: Mapped[ServiceType] = mapped_column(enum_column(ServiceType))
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone))
    quantity: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Usage intervals: how much of one service a department held, from when to when (to the minute).

Opened and closed by the request events (``metering/subscriptions.py``).  ``recorded_at`` is
when the row was written, so usage that reaches a closed month late is found and billed as an
adjustment in the next one; no interval ever touches an issued invoice.
"""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.ratecards.enums import ServiceType
from infra.database import Base, Exact, UTCDateTime, utcnow
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


class MeasuredUsage(Base):
    """A closed month's measured usage as billed so far, per allocation, service, zone and
    local day (``metering/record.py`` states when it is written and read).

    Written in the month-end close's transaction, revised by later closes while monitoring
    still holds the month's roll-ups; after that it is the only account of what was measured.
    """

    __tablename__ = "measured_usage"
    __table_args__ = (
        UniqueConstraint("month", "allocation_id", "service", "zone", "day"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True)  # the billing period (first day)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("allocations.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"))
    service: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date] = mapped_column(Date)  # local
    # Egress: bytes; bandwidth: the 月95 Mbit/s × minutes held (unrounded, as measured).
    quantity: Mapped[decimal.Decimal] = mapped_column(Exact(24, 4))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

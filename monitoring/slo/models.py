"""Service level objectives and the burn-rate alerts they fired."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column
from monitoring.slo.enums import AlertSeverity, Budgeting, SloWindow


class Slo(Base):
    """An availability objective of one service or of one provider (all its services)."""

    __tablename__ = "slos"
    __table_args__ = (
        CheckConstraint("(service_id IS NULL) <> (provider_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[decimal.Decimal] = mapped_column(Exact(7, 6))
    budgeting: Mapped[Budgeting] = mapped_column(enum_column(Budgeting))
    window: Mapped[SloWindow] = mapped_column(enum_column(SloWindow))
    time_slice_target: Mapped[decimal.Decimal | None] = mapped_column(Exact(7, 6))
    time_slice_minutes: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SloAlert(Base):
    """A multi-window burn-rate alert: fired once, resolved when both windows cool down."""

    __tablename__ = "slo_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slo_id: Mapped[int] = mapped_column(ForeignKey("slos.id", ondelete="CASCADE"), index=True)
    severity: Mapped[AlertSeverity] = mapped_column(enum_column(AlertSeverity))
    long_window_min: Mapped[int] = mapped_column(Integer)
    short_window_min: Mapped[int] = mapped_column(Integer)
    factor: Mapped[float] = mapped_column(Float)
    burn_rate: Mapped[float] = mapped_column(Float)
    fired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivery_error: Mapped[str | None] = mapped_column(String(500))

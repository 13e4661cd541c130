"""Maintenance windows: announced by a provider, approved by the cloud office."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from monitoring.maintenance.enums import WindowStatus


class MaintenanceWindow(Base):
    """``[starts_at, ends_at)``; ``service_id`` empty means every service of the provider."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="window_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[WindowStatus] = mapped_column(enum_column(WindowStatus), index=True)
    announced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    announced_by: Mapped[str] = mapped_column(String(150))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(150))

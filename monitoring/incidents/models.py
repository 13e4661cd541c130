"""Incidents and their timelines."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from monitoring.incidents.enums import IncidentSource, IncidentStatus, Severity, StepKind


class Incident(Base):
    """An outage or degradation of one service; department and provider copied from the
    service when opened, so both scoping dimensions filter on this table alone."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus), index=True)
    source: Mapped[IncidentSource] = mapped_column(enum_column(IncidentSource))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    response_target_min: Mapped[int] = mapped_column(Integer)
    recovery_target_min: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(150))
    acknowledged_by: Mapped[str | None] = mapped_column(String(150))
    resolved_by: Mapped[str | None] = mapped_column(String(150))

    @property
    def response_minutes(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.opened_at).total_seconds() / 60

    @property
    def recovery_minutes(self) -> float | None:
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.opened_at).total_seconds() / 60


class IncidentStep(Base):
    """One line of an incident's timeline."""

    __tablename__ = "incident_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(150))
    note: Mapped[str] = mapped_column(Text, default="")

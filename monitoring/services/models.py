"""Monitored services, their probes, and one probe result per probe per minute."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from monitoring.services.enums import ProbeKind


class MonitoredService(Base):
    """A service of a department's system, run by a provider under a contract.

    The system is an inventory application or a legacy system that migration cut over (either
    may be empty for a service filed by hand).  ``monitored_since`` starts its record: minutes
    before it are *no data*, minutes after it without a failed probe result count as up.
    """

    __tablename__ = "monitored_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    legacy_system_id: Mapped[int | None] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="RESTRICT"), index=True
    )
    monitored_since: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Probe(Base):
    """One HTTP(S) or TCP check of a service, run every ``interval_s`` seconds."""

    __tablename__ = "probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ProbeKind] = mapped_column(enum_column(ProbeKind))
    target: Mapped[str] = mapped_column(String(500))
    interval_s: Mapped[int] = mapped_column(Integer, default=60)
    timeout_ms: Mapped[int] = mapped_column(Integer, default=5000)
    expected_status: Mapped[int | None] = mapped_column(Integer)
    expected_body: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    failing_streak: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_error: Mapped[str | None] = mapped_column(String(200))


class ProbeResult(Base):
    """The probe's verdict for one minute (several runs in a minute: failed if any failed).

    Live probes write every minute; the demo's year of history writes only failed minutes —
    availability reads only failures (see monitoring/slo/loader.py), so both are read alike.
    """

    __tablename__ = "probe_results"

    probe_id: Mapped[int] = mapped_column(
        ForeignKey("probes.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))

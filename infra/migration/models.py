"""Legacy systems and their journey: servers, databases, data directories, dependencies,
the assessment, waves, and migration runs.

A legacy system is the migration view of an inventory ``Application`` (infra/inventory): the
application keeps its department, network zone and MLPS level; this adds what migrating it
needs.  Servers are discovery targets (which may point at the inventory's legacy hosts).
"""

from __future__ import annotations

import datetime as dt
import decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.inventory.models import Application
from infra.migration.enums import (
    Criticality,
    DependencySource,
    RunKind,
    RunStatus,
    ServerRole,
    Strategy,
    SystemStatus,
)


def _named(enum_cls: type[StrEnum], name: str) -> Enum:
    """``enum_column`` with its own constraint name (two columns of one enum in a table)."""
    column = enum_column(enum_cls)
    column.name = name
    return column


class LegacySystem(Base):
    __tablename__ = "legacy_systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), unique=True
    )
    # Copied from the application at registration so scoped queries need no join.
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    criticality: Mapped[Criticality] = mapped_column(
        enum_column(Criticality), default=Criticality.MEDIUM
    )
    # [{"weekday": 0-6 (Monday 0), "start": "HH:MM", "hours": n}] in local time (Asia/Shanghai)
    downtime_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_downtime_hours: Mapped[int] = mapped_column(Integer, default=4)
    status: Mapped[SystemStatus] = mapped_column(
        enum_column(SystemStatus), default=SystemStatus.REGISTERED, index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    # Assessment (infra/migration/assessment.py): suggestion, override, sign-off, sizing.
    suggested_strategy: Mapped[Strategy | None] = mapped_column(enum_column(Strategy))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    strategy_override: Mapped[Strategy | None] = mapped_column(_named(Strategy, "override"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    signed_off_by: Mapped[str | None] = mapped_column(String(100))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sized_vcpu: Mapped[int | None] = mapped_column(Integer)
    sized_memory_gib: Mapped[decimal.Decimal | None] = mapped_column(Exact(10, 1))
    sized_storage_gib: Mapped[decimal.Decimal | None] = mapped_column(Exact(12, 1))
    assessed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship()

    @property
    def strategy(self) -> Strategy | None:
        """The operator's override if any, else the suggestion."""
        return self.strategy_override or self.suggested_strategy


class SystemServer(Base):
    __tablename__ = "legacy_system_servers"
    __table_args__ = (UniqueConstraint("target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("discovery_targets.id", ondelete="RESTRICT"))
    role: Mapped[ServerRole] = mapped_column(enum_column(ServerRole), default=ServerRole.APP)


class SystemDatabase(Base):
    __tablename__ = "legacy_system_databases"
    __table_args__ = (UniqueConstraint("system_id", "engine", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("discovery_targets.id", ondelete="SET NULL")
    )
    engine: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    size_kib: Mapped[int | None] = mapped_column(Integer)
    data_dir: Mapped[str | None] = mapped_column(String(400))


class SystemDataDir(Base):
    __tablename__ = "legacy_system_data_dirs"
    __table_args__ = (UniqueConstraint("system_id", "target_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("discovery_targets.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(400))
    size_kib: Mapped[int | None] = mapped_column(Integer)


class SystemDependency(Base):
    """``system`` needs ``depends_on`` (it connects to it)."""

    __tablename__ = "legacy_system_dependencies"
    __table_args__ = (
        UniqueConstraint("system_id", "depends_on_id"),
        CheckConstraint("system_id <> depends_on_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="CASCADE"), index=True
    )
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[DependencySource] = mapped_column(enum_column(DependencySource))
    ports: Mapped[list[int]] = mapped_column(JSON, default=list)


class Wave(Base):
    __tablename__ = "migration_waves"
    __table_args__ = (
        UniqueConstraint("plan", "number"),
        CheckConstraint("max_concurrent >= 1", name="cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    max_concurrent: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WaveMember(Base):
    __tablename__ = "migration_wave_members"
    __table_args__ = (UniqueConstraint("wave_id", "system_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("migration_waves.id", ondelete="CASCADE"), index=True
    )
    system_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="CASCADE"), index=True
    )
    slot_starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    slot_ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class MigrationRun(Base):
    """One run of playbooks against a system's source and destination; resumable by step."""

    __tablename__ = "migration_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_systems.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[RunKind] = mapped_column(enum_column(RunKind))
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus), default=RunStatus.QUEUED, index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("discovery_targets.id", ondelete="RESTRICT"))
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("discovery_targets.id", ondelete="RESTRICT")
    )
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what to move and how
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    job_id: Mapped[str | None] = mapped_column(String(32), index=True)
    owner: Mapped[str | None] = mapped_column(String(200))  # host:pid of the process running it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

"""Migration's input and output shapes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator

from infra.inventory.enums import NetworkZone
from infra.migration.enums import (
    Criticality,
    DependencySource,
    RunKind,
    RunStatus,
    ServerRole,
    Strategy,
    SystemStatus,
)
from infra.schemas import InputModel, OutputModel

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class DowntimeWindow(BaseModel):
    """A weekly window (local time, Asia/Shanghai) in which the system may be down."""

    weekday: int = Field(ge=0, le=6)  # Monday 0
    start: str
    hours: int = Field(ge=1, le=72)

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("HH:MM, 00:00 to 23:59")
        return value


class ServerLink(InputModel):
    target_id: int
    role: ServerRole = ServerRole.APP


class SystemCreate(InputModel):
    application_id: int
    criticality: Criticality = Criticality.MEDIUM
    downtime_windows: list[DowntimeWindow] = Field(default_factory=list, max_length=28)
    max_downtime_hours: int = Field(default=4, ge=1, le=72)
    servers: list[ServerLink] = Field(default_factory=list, max_length=200)
    notes: str | None = Field(default=None, max_length=2000)


class DependencyCreate(InputModel):
    depends_on_id: int


class ServerRead(OutputModel):
    target_id: int
    role: ServerRole


class DatabaseRead(OutputModel):
    engine: str
    name: str
    size_kib: int | None
    data_dir: str | None
    target_id: int | None


class DataDirRead(OutputModel):
    target_id: int
    path: str
    size_kib: int | None


class DependencyRead(OutputModel):
    system_id: int
    depends_on_id: int
    source: DependencySource
    ports: list[int]


class SystemRead(OutputModel):
    id: int
    application_id: int
    code: str
    name: str
    department_id: int
    zone: NetworkZone
    mlps_level: int
    criticality: Criticality
    downtime_windows: list[DowntimeWindow]
    max_downtime_hours: int
    status: SystemStatus
    suggested_strategy: Strategy | None
    strategy_override: Strategy | None
    strategy: Strategy | None
    reasons: list[str]
    override_reason: str | None
    signed_off_by: str | None
    signed_off_at: dt.datetime | None
    sized_vcpu: int | None
    sized_memory_gib: Decimal | None
    sized_storage_gib: Decimal | None
    servers: list[ServerRead] = Field(default_factory=list)
    databases: list[DatabaseRead] = Field(default_factory=list)
    data_dirs: list[DataDirRead] = Field(default_factory=list)
    dependencies: list[DependencyRead] = Field(default_factory=list)


class StrategyOverride(InputModel):
    strategy: Strategy
    reason: str = Field(min_length=5, max_length=2000)


class RequestItems(OutputModel):
    """Right-sizing as the items of a resource request (tenancy's request form)."""

    vcpu: int
    memory_gib: Decimal
    storage_gib: Decimal


class WavePlanCreate(InputModel):
    plan: str = Field(default="default", min_length=1, max_length=64, pattern=r"^[\w.-]+$")
    starts_on: dt.date
    max_concurrent: int = Field(default=3, ge=1, le=100)
    max_waves: int = Field(default=52, ge=1, le=520)
    system_ids: list[int] = Field(default_factory=list, max_length=5000)  # none: all signed off


class WaveSlotRead(OutputModel):
    system_id: int
    slot_starts_at: dt.datetime
    slot_ends_at: dt.datetime


class WaveRead(OutputModel):
    id: int
    plan: str
    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    max_concurrent: int
    members: list[WaveSlotRead] = Field(default_factory=list)


class WavePlanRead(OutputModel):
    plan: str
    waves: list[WaveRead]
    unplaced: dict[int, str]


class DataDirMove(InputModel):
    source: str = Field(pattern=r"^/[^\n]*$", max_length=400)
    destination: str = Field(pattern=r"^/[^\n]*$", max_length=400)


class DatabaseMove(InputModel):
    """A PostgreSQL database dumped from the source and restored on the destination server."""

    source_dsn: str = Field(max_length=400)  # libpq connection string, e.g. host=… dbname=…
    destination_dsn: str = Field(max_length=400)


class ServiceSpec(InputModel):
    name: str = Field(pattern=r"^[\w.-]+$", max_length=64)
    start: str = Field(max_length=1000)  # shell command run on the host
    stop: str = Field(max_length=1000)
    health_url: str | None = Field(default=None, max_length=400)
    config: dict[str, str] = Field(default_factory=dict)  # written to /etc/govcloud/<name>.env


class RunCreate(InputModel):
    system_id: int
    kind: RunKind = RunKind.MIGRATE
    source_id: int
    destination_id: int
    data_dirs: list[DataDirMove] = Field(default_factory=list, max_length=50)
    databases: list[DatabaseMove] = Field(default_factory=list, max_length=20)
    service: ServiceSpec | None = None
    service_config_dir: str = Field(default="/etc/govcloud", pattern=r"^/[^\n]*$", max_length=400)
    bwlimit_kib: int | None = Field(default=None, ge=1)  # rsync --bwlimit, per copy
    # Owners are copied as numeric ids; where the destination's users differ, an explicit
    # map source id → destination id (ids not named stay as they are).
    uid_map: dict[int, int] = Field(default_factory=dict, max_length=500)
    gid_map: dict[int, int] = Field(default_factory=dict, max_length=500)

    @field_validator("uid_map", "gid_map")
    @classmethod
    def _ids(cls, value: dict[int, int]) -> dict[int, int]:
        for key, mapped in value.items():
            if not (0 <= key < 2**32 and 0 <= mapped < 2**32):
                raise ValueError(f"ids are 0 to 4294967295: {key}:{mapped}")
        return value


class RunRead(OutputModel):
    id: int
    system_id: int
    kind: RunKind
    status: RunStatus
    source_id: int
    destination_id: int
    steps: list[dict[str, Any]]
    results: dict[str, Any]
    job_id: str | None
    attempts: int
    error: str | None
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

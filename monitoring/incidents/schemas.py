"""Incidents in and out of the API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from monitoring.incidents.enums import IncidentSource, IncidentStatus, Severity, StepKind


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: int = Field(ge=1)
    severity: Severity
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)


class IncidentNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=10_000)


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: StepKind
    at: dt.datetime
    actor: str
    note: str


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service_id: int
    department_id: int
    provider_id: int
    severity: Severity
    status: IncidentStatus
    source: IncidentSource
    title: str
    description: str
    opened_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    response_target_min: int
    recovery_target_min: int
    response_minutes: float | None
    recovery_minutes: float | None
    opened_by: str
    acknowledged_by: str | None
    resolved_by: str | None


class IncidentDetail(IncidentRead):
    timeline: list[StepRead]


class IncidentStats(BaseModel):
    """A provider's incidents over a period, against the contract's targets."""

    provider_id: int
    start: dt.datetime
    end: dt.datetime
    opened: int
    by_severity: dict[str, int]
    acknowledged: int
    resolved: int
    response_met: int  # acknowledged within the response target
    recovery_met: int  # resolved within the recovery target
    mean_response_minutes: float | None
    mean_recovery_minutes: float | None
    major_outages: int  # P1 incidents

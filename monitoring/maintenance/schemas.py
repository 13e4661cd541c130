"""Maintenance windows in and out of the API."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from monitoring.maintenance.enums import WindowStatus


class WindowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: int | None = Field(default=None, ge=1)  # empty: all the provider's services
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=500)


class WindowDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool


class WindowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider_id: int
    service_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    status: WindowStatus
    announced_at: dt.datetime
    announced_by: str
    decided_at: dt.datetime | None
    decided_by: str | None

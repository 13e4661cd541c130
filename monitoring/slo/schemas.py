"""SLOs and their figures in and out of the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from monitoring.slo.enums import AlertSeverity, Budgeting, SloWindow


class SloCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    display_name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    service_id: int | None = Field(default=None, ge=1)
    provider_id: int | None = Field(default=None, ge=1)
    target: Decimal = Field(gt=0, lt=1, max_digits=7, decimal_places=6)
    budgeting: Budgeting = Budgeting.OCCURRENCES
    window: SloWindow = SloWindow.ROLLING_30D
    time_slice_target: Decimal | None = Field(
        default=None, gt=0, le=1, max_digits=7, decimal_places=6
    )
    time_slice_minutes: int = Field(default=1, ge=1, le=60)

    @model_validator(mode="after")
    def _one_subject(self) -> SloCreate:
        if (self.service_id is None) == (self.provider_id is None):
            raise ValueError("service_id: give exactly one of service_id and provider_id")
        if self.budgeting is Budgeting.TIMESLICES and self.time_slice_target is None:
            raise ValueError("time_slice_target: required with Timeslices budgeting")
        return self


class SloRead(SloCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int


class Availability(BaseModel):
    """Availability of one subject over ``[start, end)`` (minutes so far if it has not ended)."""

    start: dt.datetime
    end: dt.datetime
    counted_minutes: int
    down_minutes: int
    availability: float | None


class ServiceAvailability(Availability):
    service_id: int


class ProviderAvailability(Availability):
    provider_id: int
    services: list[ServiceAvailability]


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slo_id: int
    severity: AlertSeverity
    long_window_min: int
    short_window_min: int
    factor: float
    burn_rate: float
    fired_at: dt.datetime
    resolved_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivery_error: str | None


class SloStatus(BaseModel):
    """An SLO's figures now."""

    slo: SloRead
    start: dt.datetime
    end: dt.datetime
    counted: int  # minutes or slices
    bad: int
    down_minutes: int
    availability: float | None
    budget_remaining: float | None
    burn_rates: dict[str, float]  # "1h" → burn rate over the trailing hour
    firing: list[str]  # "1h/5m" pairs whose both windows burn above their factor

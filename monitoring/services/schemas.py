"""Services and probes in and out of the API."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from monitoring.services.enums import ProbeKind, ServiceState

CODE = r"^[a-z0-9][a-z0-9-]{0,62}$"


class ServiceBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    department_id: int = Field(ge=1)
    provider_id: int = Field(ge=1)
    contract_id: int | None = Field(default=None, ge=1)
    application_id: int | None = Field(default=None, ge=1)
    legacy_system_id: int | None = Field(default=None, ge=1)


class ServiceCreate(ServiceBase):
    monitored_since: dt.datetime | None = None


class ServiceRead(ServiceBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    monitored_since: dt.datetime


class ProbeBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ProbeKind
    target: str = Field(min_length=3, max_length=500)
    interval_s: int = Field(default=60, ge=10, le=3600)
    timeout_ms: int = Field(default=5000, ge=100, le=60_000)
    expected_status: int | None = Field(default=None, ge=100, le=599)
    expected_body: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool = True


class ProbeCreate(ProbeBase):
    @model_validator(mode="after")
    def _target_fits_kind(self) -> ProbeCreate:
        if self.kind is ProbeKind.HTTP:
            parts = urlsplit(self.target)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("target: an HTTP probe needs an http:// or https:// URL")
        else:
            host, _, port = self.target.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError("target: a TCP probe needs host:port with a port 1–65535")
            if self.expected_status is not None or self.expected_body is not None:
                raise ValueError("expected_status: a TCP probe checks the handshake only")
        if self.timeout_ms > self.interval_s * 1000:
            raise ValueError("timeout_ms: must not exceed the interval")
        return self


class ProbeRead(ProbeBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service_id: int
    failing_streak: int
    last_run_at: dt.datetime | None
    last_ok: bool | None
    last_error: str | None


class ServiceStatus(BaseModel):
    """One row of the status board."""

    service_id: int
    code: str
    name: str
    department_id: int
    provider_id: int
    state: ServiceState
    availability_30d: float | None
    budget_remaining_30d: float | None
    open_incidents: int

"""Incident news for the upper floors (the quarterly assessment's evidence, billing)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from infra.events.types import Event


class _IncidentEvent(Event):
    aggregate: ClassVar[str] = "incident"

    incident_id: int
    service_id: int
    department_id: int
    provider_id: int
    severity: str
    at: dt.datetime

    def aggregate_id(self) -> str:
        return str(self.incident_id)


class IncidentOpened(_IncidentEvent):
    type: ClassVar[str] = "monitoring.incident.opened"

    source: str


class IncidentAcknowledged(_IncidentEvent):
    type: ClassVar[str] = "monitoring.incident.acknowledged"

    response_minutes: float
    response_target_min: int


class IncidentResolved(_IncidentEvent):
    type: ClassVar[str] = "monitoring.incident.resolved"

    recovery_minutes: float
    recovery_target_min: int

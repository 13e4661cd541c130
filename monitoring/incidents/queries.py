"""Reading incidents: scoped lists and the figures the quarterly assessment scores."""

from __future__ import annotations

import datetime as dt
from functools import cache
from statistics import fmean
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from infra.inventory.models import Provider
from infra.labels import N_
from infra.listing import Column, DateRangeFilter, EnumFilter, IntFilter, ListSpec
from infra.tenancy.scope import Scope
from monitoring.incidents.enums import IncidentStatus, Severity
from monitoring.incidents.models import Incident
from monitoring.incidents.schemas import IncidentStats
from monitoring.services.models import MonitoredService
from monitoring.services.queries import visible


def list_incidents(
    session: Session,
    *,
    scope: Scope,
    status: IncidentStatus | None = None,
    provider_id: int | None = None,
    service_id: int | None = None,
    limit: int = 200,
) -> list[Incident]:
    """Incidents the scope sees (its departments' and its provider's), newest first."""
    query = select(Incident).where(visible(scope, Incident.department_id, Incident.provider_id))
    if status is not None:
        query = query.where(Incident.status == status)
    if provider_id is not None:
        query = query.where(Incident.provider_id == provider_id)
    if service_id is not None:
        query = query.where(Incident.service_id == service_id)
    return list(session.scalars(query.order_by(Incident.opened_at.desc()).limit(limit)))


def incident_stats(
    session: Session, provider_id: int, start: dt.datetime, end: dt.datetime
) -> IncidentStats:
    """Incidents of ``provider_id`` opened in ``[start, end)``: counts, response and recovery
    against each incident's own targets, means, and major (P1) outages."""
    rows = list(
        session.scalars(
            select(Incident).where(
                Incident.provider_id == provider_id,
                Incident.opened_at >= start,
                Incident.opened_at < end,
            )
        )
    )
    responses = [r.response_minutes for r in rows if r.response_minutes is not None]
    recoveries = [r.recovery_minutes for r in rows if r.recovery_minutes is not None]
    by_severity: dict[str, int] = {}
    for r in rows:
        by_severity[r.severity.value] = by_severity.get(r.severity.value, 0) + 1
    return IncidentStats(
        provider_id=provider_id,
        start=start,
        end=end,
        opened=len(rows),
        by_severity=by_severity,
        acknowledged=len(responses),
        resolved=len(recoveries),
        response_met=sum(
            1
            for r in rows
            if r.response_minutes is not None and r.response_minutes <= r.response_target_min
        ),
        recovery_met=sum(
            1
            for r in rows
            if r.recovery_minutes is not None and r.recovery_minutes <= r.recovery_target_min
        ),
        mean_response_minutes=fmean(responses) if responses else None,
        mean_recovery_minutes=fmean(recoveries) if recoveries else None,
        major_outages=by_severity.get("P1", 0),
    )


# -- the incidents list (infra.listing) ------------------------------------------------------


def incidents(scope: Scope) -> Select[Any]:
    """Incidents the scope sees, with their service's and provider's names."""
    return (
        select(Incident)
        .join(MonitoredService, Incident.service_id == MonitoredService.id)
        .join(Provider, Incident.provider_id == Provider.id)
        .where(visible(scope, Incident.department_id, Incident.provider_id))
    )


@cache
def incidents_list() -> ListSpec:
    return ListSpec(
        name="incidents",
        item="incident",
        id_expr=Incident.id,
        columns=(
            Column("id", N_("Number"), Incident.id, "int"),
            Column("severity", N_("Severity"), Incident.severity, "enum"),
            Column("title", N_("Title"), Incident.title),
            Column("service", N_("Service"), MonitoredService.name),
            Column("provider", N_("Provider"), Provider.name),
            Column("status", N_("Status"), Incident.status, "enum"),
            Column("opened_at", N_("Opened"), Incident.opened_at, "datetime"),
            Column("acknowledged_at", N_("Acknowledged"), Incident.acknowledged_at, "datetime"),
            Column("resolved_at", N_("Resolved"), Incident.resolved_at, "datetime"),
        ),
        search=("title", "service"),
        filters=(
            EnumFilter("state", N_("Status"), Incident.status, IncidentStatus),
            EnumFilter("severity", N_("Severity"), Incident.severity, Severity),
            IntFilter("service", N_("Service"), Incident.service_id),
            IntFilter("provider_id", N_("Provider"), Incident.provider_id),
            DateRangeFilter("opened", N_("Opened"), Incident.opened_at),
        ),
        default_sort="-opened_at",
        empty=N_("No incidents."),
    )

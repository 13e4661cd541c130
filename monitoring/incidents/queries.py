"""Reading incidents: scoped lists and the figures the quarterly assessment scores."""

from __future__ import annotations

import datetime as dt
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.tenancy.scope import Scope
from monitoring.incidents.enums import IncidentStatus
from monitoring.incidents.models import Incident
from monitoring.incidents.schemas import IncidentStats
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

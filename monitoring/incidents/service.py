"""Incidents: opened by probes, departments or operators; acknowledged and resolved by the
provider.  Every step is audited, published as an event and kept on the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.crud import add_audited
from infra.database import utcnow
from infra.errors import Conflict, NotFound, says
from infra.events.service import publish
from infra.inventory.models import Contract
from infra.labels import N_
from infra.settings import get_settings
from infra.tenancy.scope import Scope
from monitoring.incidents.enums import IncidentSource, IncidentStatus, Severity, StepKind
from monitoring.incidents.events import IncidentAcknowledged, IncidentOpened, IncidentResolved
from monitoring.incidents.models import Incident, IncidentStep
from monitoring.incidents.schemas import IncidentCreate
from monitoring.services.models import MonitoredService
from monitoring.services.queries import allows, get_service


def contract_of(session: Session, service: MonitoredService, *, on: dt.date) -> Contract | None:
    """The service's own contract, else the provider's contract in force on ``on``."""
    if service.contract_id is not None:
        return session.get(Contract, service.contract_id)
    return session.scalars(
        select(Contract)
        .where(
            Contract.provider_id == service.provider_id,
            Contract.starts_on <= on,
            Contract.ends_on > on,
        )
        .order_by(Contract.starts_on.desc())
        .limit(1)
    ).first()


def targets(terms: dict[str, Any], severity: Severity) -> tuple[int, int]:
    """(response, recovery) minutes: the contract's terms for this severity
    (``sla_terms["severities"]["P1"]``), else its flat terms (``response_minutes``,
    ``recovery_minutes`` or ``recovery_hours``), else the settings' defaults."""
    cfg = get_settings().service_levels
    response = cfg.default_response_minutes[severity.value]
    recovery = cfg.default_recovery_minutes[severity.value]
    per = (terms.get("severities") or {}).get(severity.value)
    for source in (terms, per) if isinstance(per, dict) else (terms,):
        if "response_minutes" in source:
            response = int(source["response_minutes"])
        if "recovery_minutes" in source:
            recovery = int(source["recovery_minutes"])
        elif "recovery_hours" in source:
            recovery = int(float(source["recovery_hours"]) * 60)
    return response, recovery


def _step(
    session: Session, incident: Incident, kind: StepKind, actor: Actor, note: str, at: dt.datetime
) -> None:
    session.add(
        IncidentStep(incident_id=incident.id, kind=kind, at=at, actor=actor.username, note=note)
    )


def open_incident(
    session: Session,
    *,
    service: MonitoredService,
    severity: Severity,
    title: str,
    description: str,
    source: IncidentSource,
    actor: Actor,
    at: dt.datetime | None = None,
) -> Incident:
    """Open an incident on ``service`` with the contract's targets for ``severity``."""
    at = at or utcnow()
    contract = contract_of(session, service, on=at.date())
    response, recovery = targets(contract.sla_terms if contract else {}, severity)
    row = Incident(
        service_id=service.id,
        department_id=service.department_id,
        provider_id=service.provider_id,
        severity=severity,
        status=IncidentStatus.OPEN,
        source=source,
        title=title,
        description=description,
        opened_at=at,
        response_target_min=response,
        recovery_target_min=recovery,
        opened_by=actor.username,
    )
    add_audited(session, row, actor=actor, entity="incident", department_id=service.department_id)
    _step(session, row, StepKind.OPENED, actor, description, at)
    publish(
        session,
        IncidentOpened(
            incident_id=row.id,
            service_id=row.service_id,
            department_id=row.department_id,
            provider_id=row.provider_id,
            severity=severity.value,
            at=at,
            source=source.value,
        ),
    )
    return row


def file_incident(
    session: Session, *, data: IncidentCreate, actor: Actor, scope: Scope, source: IncidentSource
) -> Incident:
    """A department (its own services only) or an operator reports an incident."""
    service = get_service(session, data.service_id, scope=scope)
    if not scope.allows(service.department_id):
        raise NotFound("service", data.service_id)  # a provider does not file on itself
    return open_incident(
        session,
        service=service,
        severity=data.severity,
        title=data.title,
        description=data.description,
        source=source,
        actor=actor,
    )


def open_from_probe(
    session: Session, *, service: MonitoredService, error: str, at: dt.datetime
) -> Incident | None:
    """Open the probe incident of a failing service unless one is already unresolved."""
    existing = session.scalar(
        select(Incident.id).where(
            Incident.service_id == service.id,
            Incident.source == IncidentSource.PROBE,
            Incident.status != IncidentStatus.RESOLVED,
        )
    )
    if existing is not None:
        return None
    severity = Severity(get_settings().service_levels.auto_incident_severity)
    return open_incident(
        session,
        service=service,
        severity=severity,
        title=f"{service.name}: probe failing",
        description=error,
        source=IncidentSource.PROBE,
        actor=Actor.system("probes"),
        at=at,
    )


def get_incident(session: Session, incident_id: int, *, scope: Scope) -> Incident:
    row = session.get(Incident, incident_id)
    if row is None or not allows(scope, row.department_id, row.provider_id):
        raise NotFound("incident", incident_id)
    return row


def _providers_own(session: Session, incident_id: int, scope: Scope) -> Incident:
    row = get_incident(session, incident_id, scope=scope)
    if not scope.allows_provider(row.provider_id) or scope.all_providers:
        # only the provider's representatives answer for the provider
        raise NotFound("incident", incident_id)
    return row


def _audit(
    session: Session, row: Incident, before: dict[str, Any], actor: Actor, what: str
) -> None:
    record(
        session,
        actor=actor,
        action=what,
        entity="incident",
        entity_id=row.id,
        before=before,
        after=snapshot(row),
        department_id=row.department_id,
    )


INCIDENT_NOT_OPEN = says(
    "incident_not_open",
    N_("Only an open incident can be acknowledged: this one was already taken on."),
)
INCIDENT_RESOLVED = says("incident_resolved", N_("This incident is already resolved."))


def acknowledge(
    session: Session,
    *,
    incident_id: int,
    actor: Actor,
    scope: Scope,
    note: str = "",
    at: dt.datetime | None = None,
) -> Incident:
    """The provider takes the incident on: the response time stops."""
    row = _providers_own(session, incident_id, scope)
    if row.status is not IncidentStatus.OPEN:
        raise Conflict(
            "status", f"incident {row.id} is {row.status.value}, not open", code=INCIDENT_NOT_OPEN
        )
    at = at or utcnow()
    before = snapshot(row)
    row.status, row.acknowledged_at, row.acknowledged_by = (
        IncidentStatus.ACKNOWLEDGED,
        at,
        actor.username,
    )
    session.flush()
    _audit(session, row, before, actor, "acknowledge")
    _step(session, row, StepKind.ACKNOWLEDGED, actor, note, at)
    publish(
        session,
        IncidentAcknowledged(
            incident_id=row.id,
            service_id=row.service_id,
            department_id=row.department_id,
            provider_id=row.provider_id,
            severity=row.severity.value,
            at=at,
            response_minutes=row.response_minutes or 0.0,
            response_target_min=row.response_target_min,
        ),
    )
    return row


def resolve(
    session: Session,
    *,
    incident_id: int,
    actor: Actor,
    scope: Scope,
    note: str = "",
    at: dt.datetime | None = None,
) -> Incident:
    """The provider restores the service: the recovery time stops (acknowledging on the way
    if it never was)."""
    row = _providers_own(session, incident_id, scope)
    if row.status is IncidentStatus.RESOLVED:
        raise Conflict("status", f"incident {row.id} is already resolved", code=INCIDENT_RESOLVED)
    at = at or utcnow()
    if row.status is IncidentStatus.OPEN:
        acknowledge(session, incident_id=incident_id, actor=actor, scope=scope, at=at)
    before = snapshot(row)
    row.status, row.resolved_at, row.resolved_by = IncidentStatus.RESOLVED, at, actor.username
    session.flush()
    _audit(session, row, before, actor, "resolve")
    _step(session, row, StepKind.RESOLVED, actor, note, at)
    publish(
        session,
        IncidentResolved(
            incident_id=row.id,
            service_id=row.service_id,
            department_id=row.department_id,
            provider_id=row.provider_id,
            severity=row.severity.value,
            at=at,
            recovery_minutes=row.recovery_minutes or 0.0,
            recovery_target_min=row.recovery_target_min,
        ),
    )
    return row


def timeline(session: Session, incident: Incident) -> list[IncidentStep]:
    return list(
        session.scalars(
            select(IncidentStep)
            .where(IncidentStep.incident_id == incident.id)
            .order_by(IncidentStep.id)
        )
    )

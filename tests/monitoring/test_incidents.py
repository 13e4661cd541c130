"""Incidents: targets from the contract, acknowledge/resolve by the provider only, audit,
events, timeline, scoping on both dimensions, and the assessment's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.errors import Conflict, NotFound
from infra.events.models import OutboxEvent
from infra.tenancy.scope import Scope
from monitoring.incidents import queries, service
from monitoring.incidents.enums import IncidentSource, IncidentStatus, Severity, StepKind
from monitoring.incidents.schemas import IncidentCreate
from tests.factories import SYSTEM, department
from tests.monitoring import factories as mf

T0 = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)


def test_targets_prefer_severity_terms_then_flat_terms_then_settings() -> None:
    terms = {"response_minutes": 20, "severities": {"P1": {"response_minutes": 5}}}
    assert service.targets(terms, Severity.P1) == (5, 240)
    assert service.targets(terms, Severity.P3) == (20, 1440)
    assert service.targets({"recovery_hours": "1.5"}, Severity.P2) == (30, 90)
    assert service.targets({}, Severity.P4) == (480, 4320)


def test_provider_acknowledges_and_resolves_with_audit_events_and_timeline(
    session: Session,
) -> None:
    dept = department(session)
    prov = mf.provider(session)
    svc = mf.service(session, dept=dept, prov=prov)
    mf.provider_rep(session, prov)
    inc = service.file_incident(
        session,
        data=IncidentCreate(service_id=svc.id, severity=Severity.P1, title="portal down"),
        actor=SYSTEM,
        scope=Scope(frozenset({dept.id}), frozenset()),
        source=IncidentSource.DEPARTMENT,
    )
    inc.opened_at = T0
    assert (inc.response_target_min, inc.recovery_target_min) == (15, 240)
    scope = Scope.provider(prov.id)
    service.acknowledge(
        session, incident_id=inc.id, actor=SYSTEM, scope=scope, at=T0 + dt.timedelta(minutes=9)
    )
    with pytest.raises(Conflict):
        service.acknowledge(session, incident_id=inc.id, actor=SYSTEM, scope=scope)
    service.resolve(
        session, incident_id=inc.id, actor=SYSTEM, scope=scope, at=T0 + dt.timedelta(hours=5)
    )
    session.commit()
    assert inc.status is IncidentStatus.RESOLVED
    assert (inc.response_minutes, inc.recovery_minutes) == (9, 300)
    kinds = [s.kind for s in service.timeline(session, inc)]
    assert kinds == [StepKind.OPENED, StepKind.ACKNOWLEDGED, StepKind.RESOLVED]
    types = session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.aggregate == "incident").order_by(OutboxEvent.id)
    ).all()
    assert types == [
        "monitoring.incident.opened",
        "monitoring.incident.acknowledged",
        "monitoring.incident.resolved",
    ]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "incident").order_by(AuditEntry.seq)
    ).all()
    assert actions == ["create", "acknowledge", "resolve"]
    stats = queries.incident_stats(
        session, prov.id, T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=1)
    )
    assert (stats.opened, stats.response_met, stats.recovery_met, stats.major_outages) == (
        1,
        1,
        0,
        1,
    )
    assert stats.mean_response_minutes == 9


def test_scoping_provider_sees_its_own_department_its_own(session: Session) -> None:
    """Catches: the OR of the two scoping dimensions widened (a provider seeing another's
    incidents, a department another department's), or another provider acknowledging."""
    d1, d2 = department(session), department(session)
    p1, p2 = mf.provider(session), mf.provider(session)
    s11, s22 = mf.service(session, dept=d1, prov=p1), mf.service(session, dept=d2, prov=p2)
    for s in (s11, s22):
        service.open_from_probe(session, service=s, error="timeout", at=T0)
    session.commit()
    seen = {
        name: {i.service_id for i in queries.list_incidents(session, scope=scope)}
        for name, scope in {
            "p1": Scope.provider(p1.id),
            "d2": Scope(frozenset({d2.id}), frozenset()),
            "office": Scope.everything(),
            "nobody": Scope.nothing(),
        }.items()
    }
    assert seen == {"p1": {s11.id}, "d2": {s22.id}, "office": {s11.id, s22.id}, "nobody": set()}
    theirs = queries.list_incidents(session, scope=Scope.provider(p2.id))[0]
    with pytest.raises(NotFound):
        service.acknowledge(
            session, incident_id=theirs.id, actor=SYSTEM, scope=Scope.provider(p1.id)
        )
    with pytest.raises(NotFound):  # the department concerned sees it but cannot acknowledge
        service.acknowledge(
            session,
            incident_id=theirs.id,
            actor=SYSTEM,
            scope=Scope(frozenset({d2.id}), frozenset()),
        )


def test_probe_incident_opens_once_while_unresolved(session: Session) -> None:
    dept, prov = department(session), mf.provider(session)
    svc = mf.service(session, dept=dept, prov=prov)
    assert service.open_from_probe(session, service=svc, error="x", at=T0) is not None
    assert service.open_from_probe(session, service=svc, error="x", at=T0) is None

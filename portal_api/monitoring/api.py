"""Service quality API: services and probes, the status board, incidents, maintenance
windows, SLOs (with OpenSLO import/export and Prometheus rules) and burn-rate alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response, status
from pydantic import AwareDatetime
from sqlalchemy import select

from infra import listing
from infra.errors import InvalidInput, NotFound
from infra.listing import ListParams
from infra.tenancy.enums import Role
from infra.tenancy.scope import Scope
from monitoring.incidents import queries as incident_queries
from monitoring.incidents import service as incidents
from monitoring.incidents.enums import IncidentSource
from monitoring.incidents.schemas import (
    IncidentCreate,
    IncidentDetail,
    IncidentNote,
    IncidentRead,
    IncidentStats,
    StepRead,
)
from monitoring.maintenance import service as maintenance
from monitoring.maintenance.schemas import WindowCreate, WindowDecision, WindowRead
from monitoring.services import queries as service_queries
from monitoring.services import service as services
from monitoring.services.models import MonitoredService
from monitoring.services.schemas import (
    ProbeCreate,
    ProbeRead,
    ServiceCreate,
    ServiceRead,
    ServiceStatus,
)
from monitoring.slo import openslo, rules
from monitoring.slo import service as slos
from monitoring.slo.board import status_board
from monitoring.slo.models import Slo, SloAlert
from monitoring.slo.schemas import AlertRead, ProviderAvailability, SloCreate, SloRead, SloStatus
from portal_api import access
from portal_api.deps import (
    SessionDep,
)
from portal_api.listing import api_params

router = APIRouter(tags=["monitoring"])
# At most 200,000 characters: even in 4-byte UTF-8 that stays under the 1 MiB body limit, so
# an over-long document gets this field's 422, not the guard's 413.
YamlText = Annotated[str, Body(media_type="application/yaml", max_length=200_000)]


@router.get("/monitoring/services", response_model=list[ServiceRead])
def list_services(session: SessionDep, who: access.MonitoringRead) -> list[ServiceRead]:
    rows = service_queries.list_services(session, scope=who.scope)
    return [ServiceRead.model_validate(r) for r in rows]


@router.post(
    "/monitoring/services", response_model=ServiceRead, status_code=status.HTTP_201_CREATED
)
def create_service(
    session: SessionDep, who: access.MonitoringWrite, data: ServiceCreate
) -> ServiceRead:
    return ServiceRead.model_validate(services.create_service(session, data=data, actor=who.actor))


@router.get("/monitoring/services/{service_id}/probes", response_model=list[ProbeRead])
def list_probes(
    session: SessionDep, who: access.MonitoringRead, service_id: int
) -> list[ProbeRead]:
    svc = service_queries.get_service(session, service_id, scope=who.scope)
    return [ProbeRead.model_validate(p) for p in service_queries.probes_of(session, [svc.id])]


@router.post(
    "/monitoring/services/{service_id}/probes",
    response_model=ProbeRead,
    status_code=status.HTTP_201_CREATED,
)
def add_probe(
    session: SessionDep, who: access.MonitoringWrite, service_id: int, data: ProbeCreate
) -> ProbeRead:
    row = services.add_probe(
        session, service_id=service_id, data=data, actor=who.actor, scope=who.scope
    )
    return ProbeRead.model_validate(row)


@router.get("/monitoring/status", response_model=list[ServiceStatus])
def board(session: SessionDep, who: access.MonitoringRead) -> list[ServiceStatus]:
    """Every visible service: state now, 30-day availability and budget left."""
    return status_board(session, scope=who.scope)


# -- incidents ------------------------------------------------------------------------------


@router.get("/incidents", response_model=list[IncidentRead])
def list_incidents(
    session: SessionDep,
    who: access.MonitoringRead,
    params: Annotated[
        ListParams, Depends(api_params(incident_queries.incidents_list(), default_limit=200))
    ],
) -> list[IncidentRead]:
    """Incidents the caller sees, newest first unless sorted; a plain list (no envelope)."""
    spec = incident_queries.incidents_list()
    found = listing.run(session, spec, incident_queries.incidents(who.scope), params)
    return [IncidentRead.model_validate(row.entity) for row in found.rows]


@router.post("/incidents", response_model=IncidentRead, status_code=status.HTTP_201_CREATED)
def file_incident(
    session: SessionDep, who: access.IncidentFile, data: IncidentCreate
) -> IncidentRead:
    """A department files on its own services; an operator on any."""
    source = (
        IncidentSource.OPERATOR if who.user.role is Role.OPERATOR else IncidentSource.DEPARTMENT
    )
    row = incidents.file_incident(
        session, data=data, actor=who.actor, scope=who.scope, source=source
    )
    return IncidentRead.model_validate(row)


def _detail(session: SessionDep, row: object) -> IncidentDetail:
    base = IncidentRead.model_validate(row).model_dump()
    steps = [StepRead.model_validate(s) for s in incidents.timeline(session, row)]  # type: ignore[arg-type]
    return IncidentDetail(**base, timeline=steps)


@router.get("/incidents/{incident_id}", response_model=IncidentDetail)
def get_incident(
    session: SessionDep, who: access.MonitoringRead, incident_id: int
) -> IncidentDetail:
    return _detail(session, incidents.get_incident(session, incident_id, scope=who.scope))


@router.post("/incidents/{incident_id}/acknowledge", response_model=IncidentDetail)
def acknowledge(
    session: SessionDep, who: access.IncidentHandle, incident_id: int, data: IncidentNote
) -> IncidentDetail:
    row = incidents.acknowledge(
        session, incident_id=incident_id, actor=who.actor, scope=who.scope, note=data.note
    )
    return _detail(session, row)


@router.post("/incidents/{incident_id}/resolve", response_model=IncidentDetail)
def resolve(
    session: SessionDep, who: access.IncidentHandle, incident_id: int, data: IncidentNote
) -> IncidentDetail:
    row = incidents.resolve(
        session, incident_id=incident_id, actor=who.actor, scope=who.scope, note=data.note
    )
    return _detail(session, row)


# -- maintenance windows --------------------------------------------------------------------


@router.get("/maintenance-windows", response_model=list[WindowRead])
def list_windows(session: SessionDep, who: access.MonitoringRead) -> list[WindowRead]:
    return [
        WindowRead.model_validate(w) for w in maintenance.list_windows(session, scope=who.scope)
    ]


@router.post("/maintenance-windows", response_model=WindowRead, status_code=status.HTTP_201_CREATED)
def announce_window(
    session: SessionDep, who: access.MaintenanceAnnounce, data: WindowCreate
) -> WindowRead:
    """A provider representative announces a window for its own provider."""
    provider_id = who.user.provider_id
    if provider_id is None:
        raise NotFound("provider", "of this user")
    row = maintenance.announce(session, provider_id=provider_id, data=data, actor=who.actor)
    return WindowRead.model_validate(row)


@router.post("/maintenance-windows/{window_id}/decision", response_model=WindowRead)
def decide_window(
    session: SessionDep, who: access.MaintenanceApprove, window_id: int, data: WindowDecision
) -> WindowRead:
    row = maintenance.decide(session, window_id=window_id, approve=data.approve, actor=who.actor)
    return WindowRead.model_validate(row)


# -- SLOs -----------------------------------------------------------------------------------


def _visible_slos(session: SessionDep, scope: Scope) -> list[Slo]:
    visible_services = {s.id for s in service_queries.list_services(session, scope=scope)}
    return [
        s
        for s in session.scalars(select(Slo).order_by(Slo.name))
        if (s.service_id in visible_services)
        or (s.provider_id is not None and scope.allows_provider(s.provider_id))
    ]


def _slo(session: SessionDep, scope: Scope, slo_id: int) -> Slo:
    for s in _visible_slos(session, scope):
        if s.id == slo_id:
            return s
    raise NotFound("slo", slo_id)


@router.get("/slos", response_model=list[SloRead])
def list_slos(session: SessionDep, who: access.MonitoringRead) -> list[SloRead]:
    return [SloRead.model_validate(s) for s in _visible_slos(session, who.scope)]


@router.post("/slos", response_model=SloRead, status_code=status.HTTP_201_CREATED)
def create_slo(session: SessionDep, who: access.MonitoringWrite, data: SloCreate) -> SloRead:
    return SloRead.model_validate(slos.create_slo(session, data=data, actor=who.actor))


@router.post("/slos/openslo", response_model=list[SloRead], status_code=status.HTTP_201_CREATED)
def import_openslo(
    session: SessionDep, who: access.MonitoringWrite, text: YamlText
) -> list[SloRead]:
    """Create the SLO documents of an OpenSLO v1 YAML stream."""
    rows = openslo.import_yaml(session, text=text, actor=who.actor)
    if not rows:
        raise InvalidInput.one("body", "the YAML holds no OpenSLO v1 SLO document")
    return [SloRead.model_validate(r) for r in rows]


def _subject_code(session: SessionDep, slo: Slo) -> str:
    from infra.inventory.models import Provider

    if slo.service_id is not None:
        return session.get_one(MonitoredService, slo.service_id).code
    return session.get_one(Provider, slo.provider_id).code


@router.get("/slos/openslo", responses={200: {"content": {"application/yaml": {}}}})
def export_openslo(session: SessionDep, who: access.MonitoringRead) -> Response:
    """Every visible SLO as OpenSLO v1 YAML."""
    docs = []
    for s in _visible_slos(session, who.scope):
        docs.extend(openslo.to_documents(s, _subject_code(session, s)))
    return Response(openslo.export_yaml(docs), media_type="application/yaml")


@router.get("/slos/prometheus-rules", responses={200: {"content": {"application/yaml": {}}}})
def prometheus_rules(session: SessionDep, who: access.MonitoringRead) -> Response:
    """Recording and alerting rules for the visible SLOs (``promtool check rules`` clean)."""
    pairs = [
        (s, [svc.code for svc in slos.subject_services(session, s)])
        for s in _visible_slos(session, who.scope)
    ]
    return Response(rules.rules_yaml(pairs), media_type="application/yaml")


@router.get("/slos/{slo_id}", response_model=SloStatus)
def slo_status(session: SessionDep, who: access.MonitoringRead, slo_id: int) -> SloStatus:
    return slos.slo_status(session, _slo(session, who.scope, slo_id))


@router.get("/slo-alerts", response_model=list[AlertRead])
def list_alerts(session: SessionDep, who: access.MonitoringRead) -> list[AlertRead]:
    ids = [s.id for s in _visible_slos(session, who.scope)]
    rows = session.scalars(
        select(SloAlert).where(SloAlert.slo_id.in_(ids)).order_by(SloAlert.fired_at.desc())
    )
    return [AlertRead.model_validate(a) for a in rows]


@router.get("/providers/{provider_id}/service-levels", response_model=ProviderAvailability)
def provider_levels(
    session: SessionDep,
    who: access.MonitoringRead,
    provider_id: int,
    start: AwareDatetime,
    end: AwareDatetime,
) -> ProviderAvailability:
    """A provider's pooled availability over ``[start, end)`` (its own representative, the
    office)."""
    if not who.scope.allows_provider(provider_id):
        raise NotFound("provider", provider_id)
    return slos.provider_availability(session, provider_id, start, end)


@router.get("/providers/{provider_id}/incident-stats", response_model=IncidentStats)
def provider_incidents(
    session: SessionDep,
    who: access.MonitoringRead,
    provider_id: int,
    start: AwareDatetime,
    end: AwareDatetime,
) -> IncidentStats:
    if not who.scope.allows_provider(provider_id):
        raise NotFound("provider", provider_id)
    return incident_queries.incident_stats(session, provider_id, start, end)

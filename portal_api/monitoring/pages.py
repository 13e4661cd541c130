"""Service quality pages: the status board, incidents and their timelines, SLOs with the burn
chart, and a provider representative's home."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.database import utcnow
from infra.errors import NotFound
from infra.inventory.models import Provider
from infra.schedules.types import quarterly
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from monitoring.incidents import queries as incident_queries
from monitoring.incidents import service as incidents
from monitoring.incidents.enums import IncidentStatus
from monitoring.maintenance.service import list_windows
from monitoring.services.models import MonitoredService
from monitoring.slo import service as slos
from monitoring.slo.board import status_board
from monitoring.slo.chart import burn_chart_svg
from monitoring.slo.models import Slo, SloAlert
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access
from portal_api.web.auth import CheckedForm, Viewer
from portal_api.web.listing import list_response
from portal_api.web.render import gettext_for, locale_for, redirect, render

router = APIRouter()


def _names(session: Session, locale: str) -> tuple[dict[int, str], dict[int, str]]:
    en = locale.startswith("en")
    providers = {
        p.id: (p.name_en or p.name) if en else p.name for p in session.scalars(select(Provider))
    }
    departments = {
        d.id: (d.name_en or d.name) if en else d.name for d in session.scalars(select(Department))
    }
    return providers, departments


@router.get("/monitoring", response_class=HTMLResponse)
def board_page(request: Request, session: SessionDep, viewer: access.MonitoringRead) -> Response:
    rows = status_board(session, scope=viewer.scope)
    providers, departments = _names(session, locale_for(request, viewer))
    by_provider: dict[int, list[object]] = {}
    for row in rows:
        by_provider.setdefault(row.provider_id, []).append(row)
    context = {
        "groups": sorted(by_provider.items(), key=lambda kv: providers.get(kv[0], "")),
        "providers": providers,
        "departments": departments,
    }
    return render(request, "monitoring/board.html", context)


@router.get("/monitoring/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request, session: SessionDep, viewer: access.MonitoringRead
) -> Response:
    services = session.scalars(select(MonitoredService).order_by(MonitoredService.name))
    providers, _departments = _names(session, locale_for(request, viewer))
    return list_response(
        request,
        session,
        incident_queries.incidents_list(),
        incident_queries.incidents(viewer.scope),
        template="monitoring/incidents.html",
        path="/monitoring/incidents",
        options={
            "service": [(str(s.id), s.name) for s in services],
            "provider_id": [(str(key), name) for key, name in providers.items()],
        },
        links={"id": "/monitoring/incidents/{row.id}", "title": "/monitoring/incidents/{row.id}"},
    )


@router.get("/monitoring/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request, session: SessionDep, viewer: access.MonitoringRead, incident_id: int
) -> Response:
    row = incidents.get_incident(session, incident_id, scope=viewer.scope)
    providers, departments = _names(session, locale_for(request, viewer))
    context = {
        "incident": row,
        "steps": incidents.timeline(session, row),
        "service": session.get(MonitoredService, row.service_id),
        "providers": providers,
        "departments": departments,
        "can_handle": viewer.can(Permission.INCIDENT_HANDLE)
        and viewer.scope.allows_provider(row.provider_id)
        and not viewer.scope.all_providers,
    }
    return render(request, "monitoring/incident.html", context)


def _handle(
    request: Request,
    session: Session,
    viewer: Viewer,
    incident_id: int,
    form: CheckedForm,
    *,
    resolve: bool,
) -> Response:
    _ = gettext_for(request)
    note = str(form.get("note") or "")[:10_000]
    step = incidents.resolve if resolve else incidents.acknowledge
    step(session, incident_id=incident_id, actor=viewer.actor, scope=viewer.scope, note=note)
    message = _("The incident was resolved.") if resolve else _("The incident was acknowledged.")
    return redirect(request, f"/monitoring/incidents/{incident_id}", message)


@router.post("/monitoring/incidents/{incident_id}/acknowledge", response_class=HTMLResponse)
def acknowledge_page(
    request: Request,
    session: SessionDep,
    viewer: access.IncidentHandle,
    incident_id: int,
    form: CheckedForm,
) -> Response:
    return _handle(request, session, viewer, incident_id, form, resolve=False)


@router.post("/monitoring/incidents/{incident_id}/resolve", response_class=HTMLResponse)
def resolve_page(
    request: Request,
    session: SessionDep,
    viewer: access.IncidentHandle,
    incident_id: int,
    form: CheckedForm,
) -> Response:
    return _handle(request, session, viewer, incident_id, form, resolve=True)


def _visible_slos(session: Session, scope: Scope) -> list[Slo]:
    from monitoring.services.queries import list_services

    seen = {s.id for s in list_services(session, scope=scope)}
    return [
        s
        for s in session.scalars(select(Slo).order_by(Slo.name))
        if s.service_id in seen
        or (s.provider_id is not None and scope.allows_provider(s.provider_id))
    ]


def _slo(session: Session, scope: Scope, slo_id: int) -> Slo:
    for s in _visible_slos(session, scope):
        if s.id == slo_id:
            return s
    raise NotFound("slo", slo_id)


@router.get("/monitoring/slos", response_class=HTMLResponse)
def slos_page(request: Request, session: SessionDep, viewer: access.MonitoringRead) -> Response:
    rows = [slos.slo_status(session, s) for s in _visible_slos(session, viewer.scope)]
    return render(request, "monitoring/slos.html", {"rows": rows})


@router.get("/monitoring/slos/{slo_id}", response_class=HTMLResponse)
def slo_page(
    request: Request, session: SessionDep, viewer: access.MonitoringRead, slo_id: int
) -> Response:
    slo = _slo(session, viewer.scope, slo_id)
    alerts = session.scalars(
        select(SloAlert).where(SloAlert.slo_id == slo.id).order_by(SloAlert.fired_at.desc())
    ).all()
    context = {"status": slos.slo_status(session, slo), "alerts": alerts[:50]}
    return render(request, "monitoring/slo.html", context)


@router.get("/monitoring/slos/{slo_id}/burn.svg")
def burn_svg(
    request: Request, session: SessionDep, viewer: access.MonitoringRead, slo_id: int
) -> Response:
    slo = _slo(session, viewer.scope, slo_id)
    svg = burn_chart_svg(
        slos.budget_curve(session, slo),
        title=slo.display_name or slo.name,
        locale=locale_for(request, viewer),
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "no-store",
        },
    )


@router.get("/provider", response_class=HTMLResponse)
def provider_home(request: Request, session: SessionDep, viewer: access.IncidentHandle) -> Response:
    """A provider representative's home: incidents to acknowledge, SLA figures, windows."""
    ids = sorted(viewer.scope.provider_ids or ())
    provider = session.get(Provider, ids[0]) if ids else None
    if provider is None:  # an account not (or no longer) linked to a provider
        return render(request, "monitoring/provider.html", {"provider": None})
    now = utcnow()
    q = quarterly()
    q_start = q.floor(now)
    context = {
        "provider": provider,
        "open": [
            i
            for i in incident_queries.list_incidents(session, scope=viewer.scope)
            if i.status is not IncidentStatus.RESOLVED
        ],
        "services": {s.id: s for s in session.scalars(select(MonitoredService))},
        "quarter": slos.provider_availability(session, provider.id, q_start, q.next(q_start)),
        "rolling": slos.provider_availability(
            session, provider.id, now - dt.timedelta(days=30), now
        ),
        "stats": incident_queries.incident_stats(session, provider.id, q_start, q.next(q_start)),
        "windows": list_windows(session, scope=viewer.scope, limit=20),
        "quarter_start": q_start,
    }
    return render(request, "monitoring/provider.html", context)

"""Legacy systems with their discovery facts and dependencies, the wave plan, and a run's log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select
from starlette.responses import Response

from infra.discovery.models import DiscoveryTarget
from infra.errors import NotFound
from infra.jobs import service as jobs
from infra.jobs.models import Job
from infra.migration import assessment, runs, service
from infra.migration.models import SystemDependency, SystemServer
from infra.schemas import MAX_INTEGER
from portal_api.deps import SessionDep
from portal_api.jobs.api import event_stream
from portal_api.jobs.pages import SHOWN_EVENTS
from portal_api.web import access, diagrams
from portal_api.web.render import render

router = APIRouter(prefix="/migration")


@router.get("", response_class=HTMLResponse)
def systems_page(request: Request, session: SessionDep, viewer: access.MigrationRead) -> Response:
    systems = service.list_systems(session, scope=viewer.scope)
    ids = [s.id for s in systems]
    code = {s.id: s.application.code for s in systems}
    servers: dict[int, list[DiscoveryTarget]] = {i: [] for i in ids}
    for link, target in session.execute(
        select(SystemServer, DiscoveryTarget)
        .join(DiscoveryTarget, DiscoveryTarget.id == SystemServer.target_id)
        .where(SystemServer.system_id.in_(ids))
        .order_by(DiscoveryTarget.id)
    ):
        servers[link.system_id].append(target)
    edges = [
        (d.system_id, d.depends_on_id, d.ports, d.source)
        for d in session.scalars(
            select(SystemDependency).where(SystemDependency.system_id.in_(ids))
        )
        if d.depends_on_id in code
    ]
    waves = [
        (w, [m for m in members if m.system_id in code])
        for w, members in assessment.planned_at(session, plan="default")
    ]
    shown = [(w, members) for w, members in waves if members]
    timeline = diagrams.timeline(
        [
            diagrams.TimelineWave(
                number=w.number,
                starts_at=w.starts_at,
                ends_at=w.ends_at,
                slots=[
                    diagrams.TimelineSlot(m.system_id, m.slot_starts_at, m.slot_ends_at)
                    for m in members
                ],
            )
            for w, members in shown
        ]
    )
    context: dict[str, Any] = {
        "systems": systems,
        "by_id": {s.id: s for s in systems},
        "graph": diagrams.graph(ids, [(e[0], e[1]) for e in edges]),
        "timeline": timeline,
        "strategies": sorted({s.strategy for s in systems if s.strategy}),
        "servers": servers,
        "edges": edges,
        "code": code,
        "waves": shown,
        "runs": runs.list_runs(session, scope=viewer.scope)[:20],
    }
    return render(request, "migration/systems.html", context)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request, session: SessionDep, viewer: access.MigrationRead, run_id: int
) -> Response:
    """The run's steps and its log; while its job runs, the log follows live (SSE)."""
    run = runs.get_run(session, run_id=run_id, scope=viewer.scope)
    job = session.get(Job, run.job_id) if run.job_id else None
    events = jobs.events_after(session, job_id=job.id, limit=SHOWN_EVENTS) if job else []
    context = {
        "run": run,
        "events": events,
        "last_seq": events[-1].seq if events else 0,
        "stream": f"/migration/runs/{run.id}/stream",
        "finished": job is None or job.status.finished,
    }
    return render(request, "migration/run.html", context)


@router.get("/runs/{run_id}/stream")
def run_stream(
    request: Request,
    session: SessionDep,
    viewer: access.MigrationRead,
    run_id: int,
    last_event_id: Annotated[int, Header(ge=0, le=MAX_INTEGER)] = 0,
    after: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
) -> StreamingResponse:
    """The run's job events as server-sent events (the same stream as a job page's)."""
    run = runs.get_run(session, run_id=run_id, scope=viewer.scope)
    if run.job_id is None:
        raise NotFound("migration run job", run_id)
    return event_stream(request, run.job_id, max(last_event_id, after))

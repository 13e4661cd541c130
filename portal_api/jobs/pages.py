"""A job's page and its live event stream (server-sent events, read through the reader
session): the page lists every event written so far, so a plain reload shows everything;
``static/live-events.js`` appends the rest as they are written and stops at the end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.responses import Response

from infra.jobs import service as jobs
from infra.provisioning import service as stacks
from infra.schemas import MAX_INTEGER
from portal_api.deps import SessionDep
from portal_api.jobs.api import event_stream
from portal_api.web import access
from portal_api.web.render import render

router = APIRouter(prefix="/jobs")

SHOWN_EVENTS = 1000


@router.get("/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, session: SessionDep, viewer: access.JobRead, job_id: str
) -> Response:
    job = jobs.get_job(session, scope=viewer.scope, job_id=job_id, user_id=viewer.user_id)
    events = jobs.events_after(session, job_id=job.id, after=0, limit=SHOWN_EVENTS)
    context = {
        "job": job,
        "events": events,
        "last_seq": events[-1].seq if events else 0,
        "stream": f"/jobs/{job.id}/stream",
        "stack_department": job.department_id if job.kind == stacks.RUN_KIND else None,
    }
    return render(request, "jobs/detail.html", context)


@router.get("/{job_id}/stream")
def job_stream(
    request: Request,
    session: SessionDep,
    viewer: access.JobRead,
    job_id: str,
    last_event_id: Annotated[int, Header(ge=0, le=MAX_INTEGER)] = 0,
    after: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
) -> StreamingResponse:
    """The jobs API's event stream, for a signed-in page (session cookie, same scope rules)."""
    jobs.get_job(session, scope=viewer.scope, job_id=job_id, user_id=viewer.user_id)
    return event_stream(request, job_id, max(last_event_id, after))

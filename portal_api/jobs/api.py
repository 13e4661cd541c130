from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from infra.database import session_scope
from infra.jobs import service
from infra.jobs.enums import JobStatus
from infra.jobs.schemas import JobEventRead, JobRead
from infra.schemas import MAX_INTEGER, Page, PageParams
from infra.tenancy.scope import Scope
from portal_api import access
from portal_api.deps import EVENT_STREAM, SessionDep

router = APIRouter(prefix="/jobs", tags=["jobs"])

POLL_SECONDS = 0.25
_ANY = Scope.everything()  # the stream checked the caller's scope before it started


@router.get("", response_model=Page[JobRead])
def list_jobs(
    session: SessionDep,
    principal: access.JobRead,
    page: Annotated[PageParams, Query()],
    status: JobStatus | None = None,
) -> Page[JobRead]:
    """Jobs of the caller's departments, and those the caller started."""
    found = service.list_jobs(
        session, scope=principal.scope, page=page, user_id=principal.user.id, status=status
    )
    return Page(
        items=[JobRead.model_validate(j) for j in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


@router.get("/{job_id}", response_model=JobRead)
def get_job(session: SessionDep, principal: access.JobRead, job_id: str) -> JobRead:
    job = service.get_job(session, scope=principal.scope, job_id=job_id, user_id=principal.user.id)
    return JobRead.model_validate(job)


@router.get("/{job_id}/events", response_model=list[JobEventRead])
def job_events(
    session: SessionDep,
    principal: access.JobRead,
    job_id: str,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[JobEventRead]:
    """Events with a sequence number above ``after``: poll with the last one you saw."""
    service.get_job(session, scope=principal.scope, job_id=job_id, user_id=principal.user.id)
    events = service.events_after(session, job_id=job_id, after=after, limit=limit)
    return [JobEventRead.model_validate(e) for e in events]


@router.post("/{job_id}/cancel", response_model=JobRead)
def cancel_job(session: SessionDep, principal: access.JobCancel, job_id: str) -> JobRead:
    job = service.cancel_job(
        session, scope=principal.scope, job_id=job_id, user_id=principal.user.id
    )
    return JobRead.model_validate(job)


def _poll(
    factory: sessionmaker[Session], job_id: str, after: int
) -> tuple[list[JobEventRead], JobStatus]:
    with session_scope(factory) as session:
        events = service.events_after(session, job_id=job_id, after=after)
        job = service.get_job(session, scope=_ANY, job_id=job_id)
        return [JobEventRead.model_validate(e) for e in events], job.status


@router.get("/{job_id}/stream", response_class=StreamingResponse, responses=EVENT_STREAM)
def stream_job(
    request: Request,
    session: SessionDep,
    principal: access.JobRead,
    job_id: str,
    last_event_id: Annotated[int, Header(ge=0, le=MAX_INTEGER)] = 0,
) -> StreamingResponse:
    """Server-sent events: every job event as it is written, then ``end`` with the status."""
    service.get_job(session, scope=principal.scope, job_id=job_id, user_id=principal.user.id)
    return event_stream(request, job_id, last_event_id)


def event_stream(request: Request, job_id: str, last_event_id: int = 0) -> StreamingResponse:
    """The SSE response for a job the caller was already allowed to see (pages reuse it).

    It polls through the *reader* session: a stream only reads, and on SQLite a writer
    session would take the write lock at every poll, four times a second per open page."""
    factory = request.app.state.read_session_factory

    async def events() -> AsyncIterator[str]:
        after = last_event_id
        while True:
            batch, status = await run_in_threadpool(_poll, factory, job_id, after)
            for event in batch:
                after = event.seq
                yield f"id: {event.seq}\nevent: job-event\ndata: {event.model_dump_json()}\n\n"
            if status.finished and not batch:
                yield f"event: end\ndata: {json.dumps({'status': status.value})}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )

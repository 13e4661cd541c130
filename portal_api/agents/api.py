"""Host agents: enrolment (operators), the push endpoint (agents), and series queries.

The push endpoint is declared PUBLIC for the permission matrix because its caller is not a
user: it authenticates the *agent* by its own token (``gca_…``, bound to one inventory host)
and refuses unknown or revoked tokens with 401 saying which.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from infra.database import session_scope
from infra.errors import InvalidInput
from infra.settings import MonitoringSettings
from monitoring.metrics import service
from monitoring.metrics.exceptions import BatchTooLarge
from monitoring.metrics.schemas import (
    BatchAccepted,
    BatchIn,
    EnrolmentCreate,
    EnrolmentCreated,
    EnrolmentRead,
    SeriesRead,
)
from monitoring.metrics.sources import DatabaseSource, PrometheusSource, SampleSource
from portal_api import access
from portal_api.deps import PUBLIC, SessionDep
from portal_api.panel_metrics import observe_ingest

router = APIRouter(prefix="/metrics", tags=["metrics"])


@router.post("/agents", response_model=EnrolmentCreated, status_code=status.HTTP_201_CREATED)
def enrol_agent(
    session: SessionDep, who: access.AgentEnrol, data: EnrolmentCreate
) -> EnrolmentCreated:
    """Enrol a host agent: the token in the answer is shown this once."""
    enrolment, token = service.enrol(session, actor=who.actor, host_id=data.host_id)
    return EnrolmentCreated(**service.enrolment_read(enrolment).model_dump(), token=token)


@router.get("/agents", response_model=list[EnrolmentRead])
def list_agents(session: SessionDep, who: access.MetricsRead) -> list[EnrolmentRead]:
    return [service.enrolment_read(e) for e in service.list_enrolments(session)]


@router.delete("/agents/{enrolment_id}", response_model=EnrolmentRead)
def revoke_agent(session: SessionDep, who: access.AgentEnrol, enrolment_id: int) -> EnrolmentRead:
    """Revoke an agent's token; its pushes are refused from now on."""
    return service.enrolment_read(
        service.revoke(session, actor=who.actor, enrolment_id=enrolment_id)
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BatchTooLarge("body", limit, int(declared), "bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BatchTooLarge("body", limit, len(body), "bytes")
    return bytes(body)


@router.post(
    "/batches",
    response_model=BatchAccepted,
    dependencies=[PUBLIC],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BatchIn.model_json_schema()}},
        }
    },
)
async def push_batch(request: Request) -> BatchAccepted:
    """A host agent's batch of samples: stored once (a replayed batch id stores nothing),
    all or nothing, after every sample has been checked."""
    settings: MonitoringSettings = request.app.state.settings.monitoring
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    body = await _read_body(request, settings.max_batch_bytes)
    try:
        batch = BatchIn.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None

    def store() -> service.IngestResult:
        with session_scope(request.app.state.session_factory) as session:
            enrolment = service.authenticate(session, token=token)
            return service.ingest(
                session,
                enrolment=enrolment,
                batch=batch,
                settings=settings,
                now_ms=int(time.time() * 1000),
            )

    result = await run_in_threadpool(store)
    if batch.samples and not result.duplicate:
        observe_ingest(request.app, newest_ms=max(t for _s, t, _v in batch.samples))
    return BatchAccepted(batch_id=result.batch_id, stored=result.stored, duplicate=result.duplicate)


def sample_source(request: Request, session: SessionDep) -> SampleSource:
    url = request.app.state.settings.monitoring.prometheus_url
    return PrometheusSource(url) if url else DatabaseSource(session)


@router.get("/series", response_model=list[SeriesRead])
def query_series(
    request: Request,
    session: SessionDep,
    who: access.MetricsRead,
    host: Annotated[str, Query(max_length=100)],
    metric: Annotated[str, Query(max_length=200, pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")],
    start: dt.datetime,
    end: dt.datetime,
    step_s: Annotated[int, Query(ge=1, le=86400)] = 60,
) -> list[SeriesRead]:
    """A metric's series on one host over a range, one point per step (Prometheus semantics)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput.one(
            "start", "give times with a zone offset (e.g. 2026-11-30T08:00+08:00)"
        )
    try:
        found = sample_source(request, session).query_range(
            host=host,
            metric=metric,
            matchers={},
            start_ms=int(start.timestamp() * 1000),
            end_ms=int(end.timestamp() * 1000),
            step_ms=step_s * 1000,
        )
    except ValueError as exc:
        raise InvalidInput.one("step_s", str(exc)) from None
    return [
        SeriesRead(
            name=s.name,
            labels=s.labels,
            points=[(dt.datetime.fromtimestamp(t / 1000, dt.UTC), v) for t, v in s.points],
        )
        for s in found
    ]

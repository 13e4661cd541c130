"""The control panel's own ``/metrics`` in Prometheus's text format.

* ``govcloud_http_request_duration_seconds{method,route,status}`` — a histogram of every
  request's latency, labelled by the route's *template* (``/api/v1/jobs/{job_id}``), never the
  raw path, so the number of series stays bounded;
* ``govcloud_jobs{status}`` — queued and running jobs, counted from the database at scrape time;
* ``govcloud_ingest_lag_seconds`` — how old the newest sample of the last stored agent batch
  was when it was stored; ``govcloud_ingest_last_batch_timestamp_seconds`` and
  ``govcloud_ingest_batches_total`` for alerting on silence.

Access: public unless ``GOVCLOUD_MONITORING__PANEL_METRICS_TOKEN`` is set, in which case the
scraper must send it as a bearer token (Prometheus: ``authorization: {credentials: …}``).
Each app has its own registry, so several apps in one process (tests) do not collide.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.database import session_scope
from infra.errors import NotAuthenticated
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _JobsCollector(Collector):
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("govcloud_jobs", "Jobs waiting or running", labels=["status"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("govcloud_jobs", "Jobs waiting or running", labels=["status"])
        with session_scope(self.app.state.read_session_factory) as session:
            rows = session.execute(
                select(Job.status, func.count())
                .where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                .group_by(Job.status)
            ).all()
            counts: dict[Any, int] = dict(rows)
        for state in (JobStatus.QUEUED, JobStatus.RUNNING):
            family.add_metric([state.value], counts.get(state, 0))
        yield family


class PanelMetrics:
    def __init__(self, app: FastAPI) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "govcloud_http_request_duration_seconds",
            "Time to answer a request",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.ingest_lag = Gauge(
            "govcloud_ingest_lag_seconds",
            "Age of the newest sample of the last stored agent batch, when it was stored",
            registry=self.registry,
        )
        self.last_batch = Gauge(
            "govcloud_ingest_last_batch_timestamp_seconds",
            "When the last agent batch was stored",
            registry=self.registry,
        )
        self.batches = Counter(
            "govcloud_ingest_batches", "Agent batches stored", registry=self.registry
        )
        self.registry.register(_JobsCollector(app))


class LatencyMiddleware:
    """Times every HTTP request (pure ASGI, so streaming responses are not buffered)."""

    def __init__(self, app: ASGIApp, metrics: PanelMetrics, fastapi: FastAPI) -> None:
        self.app = app
        self.metrics = metrics
        self.fastapi = fastapi
        self._templates: dict[int, str] | None = None

    def template(self, route: Any) -> str:
        """The route's full path template (routers included with a prefix know only their
        own part, so the app's route index is asked once)."""
        if route is None:
            return "unmatched"
        if self._templates is None:
            from portal_api.routes_index import api_routes

            self._templates = {id(r.route): r.path for r in api_routes(self.fastapi, "/")}
        found = self._templates.get(id(route)) or getattr(route, "path", None)
        return str(found or "unmatched")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            template = self.template(scope.get("route"))
            self.metrics.latency.labels(
                scope.get("method", "GET"), template, f"{status[0] // 100}xx"
            ).observe(time.perf_counter() - started)


def observe_ingest(app: FastAPI, *, newest_ms: int) -> None:
    metrics: PanelMetrics | None = getattr(app.state, "panel_metrics", None)
    if metrics is None:
        return
    now = time.time()
    metrics.ingest_lag.set(max(0.0, now - newest_ms / 1000))
    metrics.last_batch.set(now)
    metrics.batches.inc()


def metrics_endpoint(request: Request) -> Response:
    """The panel's metrics (see the module docstring for who may read them)."""
    settings = request.app.state.settings.monitoring
    expected = settings.panel_metrics_token.get_secret_value()
    if expected:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), expected):
            raise NotAuthenticated("authorization: send the panel's metrics token as a bearer")
    metrics: PanelMetrics = request.app.state.panel_metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE)


def install(app: FastAPI) -> None:
    app.state.panel_metrics = PanelMetrics(app)
    app.add_middleware(LatencyMiddleware, metrics=app.state.panel_metrics, fastapi=app)

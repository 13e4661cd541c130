"""The control panel: one FastAPI app serving the versioned API and the web pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from infra.database import get_session_factory, reader_of
from infra.events.dispatch import install as install_subscriptions
from infra.events.types import Subscription
from infra.jobs.registry import Kinds
from infra.settings import Settings, get_settings
from portal_api import docs, errors, panel_metrics, registry, runtime
from portal_api.deps import PUBLIC, integers_in_range
from portal_api.domains import DOMAINS
from portal_api.guards import Guard
from portal_api.health.api import health
from portal_api.openapi import truthful_openapi

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    for domain in DOMAINS:
        if (module := domain.part("api")) is not None:
            router.include_router(module.router)
    return router


def create_app(
    settings: Settings | None = None,
    session_factory: sessionmaker[Session] | None = None,
    *,
    with_pages: bool = True,
    subscriptions: Sequence[Subscription] | None = None,
    job_kinds: Kinds | None = None,
) -> FastAPI:
    """Build the app; tests pass their own settings, session factory, subscriptions and job
    kinds."""
    settings = settings or get_settings()
    factory = session_factory or get_session_factory()
    subscribed = registry.SUBSCRIPTIONS if subscriptions is None else tuple(subscriptions)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        install_subscriptions(subscribed)  # upper floors subscribe as the panel starts
        # No start-up recovery: running jobs belong to whoever holds their lease (another
        # panel, a worker, the CLI); lapsed leases are reaped by every process's maintenance.
        started = runtime.start_panel(settings, factory, kinds=job_kinds)
        yield
        started.stop()

    app = FastAPI(
        title="govcloud control panel",
        version="1",
        description="Shared government cloud: tenancy, inventory, migration, quality and money.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served from the app's own copies (docs.install), not a CDN
        redoc_url=None,
        lifespan=lifespan,
        # One integer parser for every route's path and query parameters, pages included.
        dependencies=[Depends(integers_in_range)],
    )
    app.add_middleware(
        Guard,
        docs_prefix=f"{API_PREFIX}/docs",
        own_body_checks=frozenset({f"{API_PREFIX}/metrics/batches"}),
    )
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.read_session_factory = reader_of(factory)
    errors.install(app)
    docs.install(
        app,
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/docs/redoc",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.include_router(api_router())
    app.add_api_route(
        "/healthz",
        health,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[PUBLIC],
    )
    # The panel's own Prometheus metrics (public unless GOVCLOUD_MONITORING__PANEL_METRICS_TOKEN).
    panel_metrics.install(app)
    app.add_api_route(
        "/metrics",
        panel_metrics.metrics_endpoint,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[PUBLIC],
    )
    if with_pages:
        from portal_api.web import install as install_pages

        install_pages(app)
    truthful_openapi(app)
    return app

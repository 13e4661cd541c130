"""The control panel: one FastAPI app serving the versioned API and the web pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

import infra.audit.jobs
import infra.discovery.flows  # noqa: F401  (registers the discovery sweep)
from infra.database import get_session_factory, reader_of, session_scope
from infra.jobs.runner import get_backend
from infra.jobs.service import recover_interrupted
from infra.settings import Settings, get_settings
from infra.tenancy.requests import expiry as _expiry_jobs  # noqa: F401  (the sweep job)
from portal_api import errors
from portal_api.api import (
    audit,
    auth,
    departments,
    discovery,
    health,
    inventory,
    jobs,
    migration,
    network,
    quotas,
    requests,
    stacks,
    surveys,
    usage,
    users,
)
from portal_api.deps import PUBLIC, integers_in_range
from portal_api.guards import Guard
from portal_api.openapi import truthful_openapi

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    for module in (
        health,
        auth,
        departments,
        users,
        quotas,
        inventory,
        network,
        jobs,
        audit,
        surveys,
        requests,
        usage,
        stacks,
        discovery,
        migration,
    ):
        router.include_router(module.router)
    return router


def create_app(
    settings: Settings | None = None,
    session_factory: sessionmaker[Session] | None = None,
    *,
    with_pages: bool = True,
) -> FastAPI:
    """Build the app; tests pass their own settings and session factory."""
    settings = settings or get_settings()
    factory = session_factory or get_session_factory()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with session_scope(factory) as session:
            requeued = recover_interrupted(session)
        if requeued:
            log.info("re-queued %d jobs left from the last run", len(requeued))
        yield
        get_backend().shutdown(wait=False)

    app = FastAPI(
        title="govcloud control panel",
        version="1",
        description="Shared government cloud: tenancy, inventory, migration, quality and money.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
        # One integer parser for every route's path and query parameters, pages included.
        dependencies=[Depends(integers_in_range)],
    )
    app.add_middleware(Guard, docs_prefix=f"{API_PREFIX}/docs")
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.read_session_factory = reader_of(factory)
    errors.install(app)
    app.include_router(api_router())
    app.add_api_route(
        "/healthz",
        health.health,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[PUBLIC],
    )
    if with_pages:
        from portal_api.web import install as install_pages

        install_pages(app)
    truthful_openapi(app)
    return app

"""One control-panel app per database for the API tests.

FastAPI analyses every route's dependencies on an app's first request; building the app once
per run instead of once per test keeps the API tests fast.  The app holds no per-test state:
its sessions go to the run's database, which ``engine`` empties after every test, and its jobs
go to whichever backend the test's ``job_backend`` installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from infra.database import session_factories
from infra.jobs.runner import InlineBackend, InProcessBackend, set_backend
from infra.settings import get_settings
from tests import factories
from tests.conftest import clean_database


@pytest.fixture(scope="session")
def api_app(shared_engine: Engine) -> FastAPI:
    from portal_api.app import create_app

    return create_app(get_settings(), session_factories(shared_engine)[1], subscriptions=())


@pytest.fixture
def app(api_app: FastAPI, engine: Engine, job_backend: InProcessBackend) -> FastAPI:
    """Overrides tests/conftest.py's ``app``: the run's shared app (``client`` uses it)."""
    return api_app


@dataclass
class SharedWorld:
    """A client, a session and a world that several tests share (see ``module_world``)."""

    client: TestClient
    session: Session
    world: factories.World


@pytest.fixture(scope="module")
def module_world(api_app: FastAPI, shared_engine: Engine) -> Iterator[SharedWorld]:
    """One world (two sibling departments under a city, a signed-in user of every role) for a
    whole module whose tests each leave the database as they found it or make fresh objects
    of their own: the world is built once per database instead of once per test.  The client
    answers server errors with a 500 (so a test can name the request) instead of raising.
    Jobs run inline, inside the request that submits them: no thread writes behind the
    tests' backs (on SQLite a background writer makes the shared session's next write fail
    with "database is locked", its snapshot being stale).  Emptied at the end."""
    reader, writer = session_factories(shared_engine)
    backend = InlineBackend(writer)
    previous = set_backend(backend)
    try:
        with reader() as session:
            client = TestClient(api_app, raise_server_exceptions=False)
            yield SharedWorld(client, session, factories.world(session))
    finally:
        backend.shutdown(wait=True)
        set_backend(previous)
        clean_database(shared_engine)

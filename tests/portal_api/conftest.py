"""One control-panel app per database for the API tests.

FastAPI analyses every route's dependencies on an app's first request; building the app once
per run instead of once per test keeps the API tests fast.  The app holds no per-test state:
its sessions go to the run's database, which ``engine`` empties after every test, and its jobs
go to whichever backend the test's ``job_backend`` installed.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from infra.database import session_factories
from infra.jobs.runner import InProcessBackend
from infra.settings import get_settings


@pytest.fixture(scope="session")
def api_app(shared_engine: Engine) -> FastAPI:
    from portal_api.app import create_app

    return create_app(get_settings(), session_factories(shared_engine)[1])


@pytest.fixture
def app(api_app: FastAPI, engine: Engine, job_backend: InProcessBackend) -> FastAPI:
    """Overrides tests/conftest.py's ``app``: the run's shared app (``client`` uses it)."""
    return api_app

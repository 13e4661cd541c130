"""Helpers for the page tests: signing in through the real form, a live server, one browser."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from infra.database import session_factories
from infra.jobs.runner import InProcessBackend
from infra.settings import get_settings
from infra.tenancy.models import User
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_in(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a csrf token"
    return found.group(1)


def sign_in(client: TestClient, user: User, password: str = factories.PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    token = csrf_in(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf": token, "username": user.username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_in(client.get("/").text)


@pytest.fixture(scope="session")
def web_app(shared_engine: Engine) -> FastAPI:
    """One app per database for the page tests.

    FastAPI analyses every route's dependencies on an app's first request (~0.2 s for the
    whole API); building the app once per run instead of once per test keeps this folder fast.
    The app holds no per-test state: its sessions go to the run's database, which ``engine``
    empties after every test.
    """
    from portal_api.app import create_app

    return create_app(get_settings(), session_factories(shared_engine)[1], subscriptions=())


@pytest.fixture
def app(web_app: FastAPI, engine: Engine, job_backend: InProcessBackend) -> FastAPI:
    """Overrides tests/conftest.py's ``app``: the shared page-test app (``client`` uses it)."""
    return web_app


@pytest.fixture
def world(session: Session) -> factories.World:
    return factories.world(session)


# -- a live server and a browser, for the Playwright test -----------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(shared_engine: Engine) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, in a thread, on the run's database."""
    from portal_api.app import create_app

    app = create_app(get_settings(), session_factories(shared_engine)[1], subscriptions=())
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium (Debian's) for the whole run."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()

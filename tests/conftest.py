"""Shared fixtures: one migrated database per backend per run, cleaned after every test.

Every test that asks for ``engine`` (directly or through ``session``, ``app``, ``client``) runs
once on SQLite and once on PostgreSQL when ``GOVCLOUD_TEST_POSTGRES_URL`` is set.  The
PostgreSQL run gets a fresh database of its own, dropped at the end.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Before anything reads settings: demo mode (no real secret needed) and cheap password hashing.
os.environ.setdefault("GOVCLOUD_DEMO", "1")
os.environ["GOVCLOUD_SECURITY__ARGON2_TIME_COST"] = "1"
os.environ["GOVCLOUD_SECURITY__ARGON2_MEMORY_KIB"] = "64"
# The audit checkpoints' signing key lives outside the database: one per test run, made below.
os.environ["GOVCLOUD_AUDIT__KEY_PATH"] = os.path.join(
    tempfile.mkdtemp(prefix="govcloud-audit-key-"), "audit-signing.key"
)
os.environ["GOVCLOUD_AUDIT__CHECKPOINT_EXPORT"] = ""  # the table only (tests opt in)
# The panels the tests start do not tick the scheduler (its own tests call it directly).
os.environ["GOVCLOUD_JOBS__SCHEDULER_IN_PANEL"] = "0"

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import guard, signing
from infra.database import make_engine, session_factories
from infra.jobs import registry
from infra.jobs.runner import InProcessBackend, set_backend
from infra.settings import get_settings, reset_settings
from infra.tenancy.passwords import reset_hasher
from portal_api.schema import migrate
from portal_api.schema.all_models import Base

reset_settings()
reset_hasher()
signing.generate_key(Path(os.environ["GOVCLOUD_AUDIT__KEY_PATH"]))

POSTGRES_URL = os.environ.get("GOVCLOUD_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def _pg_admin_url() -> str:
    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def job_kinds() -> Iterator[registry.JobRegistry]:
    """Every process installs the registry when it starts; the test run does it here once
    (a module needing kinds of its own installs ``JOB_KINDS`` plus them, see
    :func:`tests.jobkinds.with_kinds`)."""
    from portal_api.registry import JOB_KINDS

    previous = registry.install(JOB_KINDS)
    yield registry.installed()
    registry.install(previous)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database for this run: a SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "govcloud.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        yield url
        return
    name = f"govcloud_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    rendered = pg_url.render_as_string(hide_password=False)
    migrate.upgrade(rendered)
    yield rendered
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def shared_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def clean_database(engine: Engine) -> None:
    """Empty every table (module-scoped fixtures call it when they are done).

    Plain DELETEs, children first: on PostgreSQL they take milliseconds on a test's few rows,
    where TRUNCATE of every table costs about half a second per test.  Self-references
    (departments' parents) are cut first so one statement can remove a whole tree.
    """
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn, guard.suspended(conn):  # the audit log is append-only
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
        for table in tables:
            for fk in table.foreign_keys:
                if fk.column.table is table and fk.parent.nullable:
                    conn.execute(table.update().values({fk.parent.name: None}))
            conn.execute(table.delete())


@pytest.fixture
def engine(shared_engine: Engine) -> Iterator[Engine]:
    """The run's database, emptied after the test."""
    yield shared_engine
    clean_database(shared_engine)


@pytest.fixture
def backend_name(engine: Engine) -> str:
    return engine.dialect.name


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Writer sessions, as the app, the jobs and the CLI get them."""
    return session_factories(engine)[1]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """The test's own session: a reader (deferred BEGIN on SQLite), so reading between requests
    never holds the write lock; it may still write, e.g. through tests.factories."""
    with session_factories(engine)[0]() as session:
        yield session
        session.rollback()


@pytest.fixture(autouse=True)
def _no_installed_subscriptions() -> Iterator[None]:
    """The app installs the registry's subscriptions process-wide; forget them after each test,
    so a later test's commits do not submit delivery jobs it never asked for."""
    from infra.events.dispatch import install

    install(None)
    yield
    install(None)


@pytest.fixture
def job_backend(session_factory: sessionmaker[Session]) -> Iterator[InProcessBackend]:
    backend = InProcessBackend(2, session_factory)
    previous = set_backend(backend)
    yield backend
    backend.shutdown(wait=True)
    set_backend(previous)


@pytest.fixture
def app(session_factory: sessionmaker[Session], job_backend: InProcessBackend) -> FastAPI:
    from portal_api.app import create_app

    # No subscriptions: a background delivery job after every factory write would race the
    # test's own session on SQLite.  Tests deliver with factories.deliver_events (or install).
    return create_app(
        get_settings(), session_factory, subscriptions=(), job_kinds=registry.installed()
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client

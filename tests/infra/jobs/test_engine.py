"""The Procrastinate backend defers in the writer's transaction: no lost, no phantom jobs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from infra.database import session_scope
from infra.jobs.engine import TASK_NAME, ProcrastinateBackend, ensure_schema
from infra.jobs.models import Job
from infra.jobs.runner import set_backend
from infra.jobs.service import submit_job
from infra.migration.jobs import JOBS as MIGRATION_JOBS
from tests import factories


@pytest.fixture
def engine_backend(
    engine: Engine, session_factory: sessionmaker[Session]
) -> Iterator[ProcrastinateBackend]:
    if engine.dialect.name != "postgresql":
        pytest.skip("Procrastinate runs on PostgreSQL only (SQLite keeps the embedded backend)")
    ensure_schema(engine.url.render_as_string(hide_password=False))
    backend = ProcrastinateBackend(session_factory)
    previous = set_backend(backend)
    yield backend
    set_backend(previous)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM procrastinate_jobs"))


def _tasks(factory: sessionmaker[Session], job_id: str) -> list[tuple[str, str, str | None]]:
    with session_scope(factory) as s:
        return [
            (r.queue_name, r.status, r.lock)
            for r in s.execute(
                text(
                    "SELECT queue_name, status, lock FROM procrastinate_jobs "
                    "WHERE task_name = :task AND args->>'job_id' = :id"
                ),
                {"task": TASK_NAME, "id": job_id},
            )
        ]


@pytest.mark.usefixtures("engine_backend")
def test_a_committed_job_has_its_task_and_a_rolled_back_one_has_none(
    session_factory: sessionmaker[Session],
) -> None:
    """Catches deferring outside the writer's transaction (a phantom task after a rollback)
    or after it (a job row without a task if the process dies in between)."""
    with session_scope(session_factory) as s:
        kept = submit_job(s, kind="jobs.noop", title="t", params={}, actor=factories.SYSTEM).id
    assert _tasks(session_factory, kept) == [("default", "todo", None)]

    s = session_factory()
    try:
        dropped = submit_job(s, kind="jobs.noop", title="t", params={}, actor=factories.SYSTEM).id
        assert s.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 2
        s.rollback()
    finally:
        s.close()
    assert _tasks(session_factory, dropped) == []
    with session_scope(session_factory) as s2:
        assert s2.get(Job, dropped) is None


def test_host_bound_kinds_declare_the_host_queue_and_a_lock() -> None:
    (run,) = MIGRATION_JOBS
    assert run.queue == "host"
    assert run.lock is not None
    assert run.retries == 0

"""The Procrastinate backend: jobs at scale on the same PostgreSQL.

* **Deferred in the writer's transaction.**  :meth:`ProcrastinateBackend.defer_in` calls
  Procrastinate's own ``procrastinate_defer_jobs_v1`` SQL function through the submitting
  SQLAlchemy session, so the ``jobs`` row and Procrastinate's job commit or roll back together:
  no lost jobs (committed row, no task) and no phantom ones (task, rolled-back row).
* **One task.**  Every kind runs through the task ``govcloud.run_job(job_id)``, which calls
  :func:`infra.jobs.runner.run_job` — the same claim, lease, heartbeat and guarded finish as
  the embedded backend.  The kind's ``queue`` becomes the Procrastinate queue and its ``lock``
  the Procrastinate lock (at most one job per lock runs at a time).
* **Retries are ours, not Procrastinate's**: a retry is decided when *our* lease lapses
  (:mod:`infra.jobs.leases`), which re-defers a fresh task in the reaper's transaction and
  marks the dead worker's task failed so its lock is released.
* **Schema**: Procrastinate's ``schema.sql`` is applied by :func:`ensure_schema` when a worker
  or a panel with this backend starts (under an advisory lock; a no-op once applied), not by
  Alembic, so the models' ``alembic check`` never sees Procrastinate's tables and SQLite needs
  nothing.  Upgrading Procrastinate past a schema change: apply its migrations from
  ``procrastinate.schema.SchemaManager.get_migrations_path()`` (``procrastinate schema``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session, sessionmaker

from infra.database import get_session_factory, session_scope
from infra.jobs.models import Job
from infra.jobs.registry import JobKind
from infra.jobs.runner import run_job

log = logging.getLogger(__name__)

TASK_NAME = "govcloud.run_job"
_SCHEMA_LOCK = 0x6F76_636C_6F75  # pg_advisory_xact_lock key while the schema is applied

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW("
    "CAST(:queue AS varchar), CAST(:task AS varchar), 0, CAST(:lock AS text), NULL, "
    "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"
)
_FORGET_DOING = text(
    "SELECT procrastinate_finish_job_v1(id, 'failed', false) FROM procrastinate_jobs "
    "WHERE status = 'doing' AND task_name = :task AND args->>'job_id' = :job_id"
)


def conninfo(database_url: str) -> str:
    """A libpq URL for the SQLAlchemy ``postgresql+psycopg://`` one."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(database_url: str) -> bool:
    """Apply Procrastinate's schema if it is not there yet; True if this call applied it."""
    from procrastinate.schema import SchemaManager

    with psycopg.connect(conninfo(database_url)) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is not None and row[0] is not None:
            return False
        conn.execute(SchemaManager.get_schema())
    log.info("applied Procrastinate's schema")
    return True


class ProcrastinateBackend:
    """Defers ``govcloud.run_job`` in the submitter's transaction; workers run it."""

    def __init__(self, factory: sessionmaker[Session] | None = None) -> None:
        self._factory = factory

    def defer_in(self, session: Session, job: Job, spec: JobKind) -> None:
        lock = spec.lock(session, dict(job.params)) if spec.lock is not None else None
        session.execute(
            _DEFER,
            {
                "queue": spec.queue,
                "task": TASK_NAME,
                "lock": lock,
                "args": json.dumps({"job_id": job.id}),
            },
        )

    def forget(self, session: Session, job_id: str) -> None:
        """The dead worker's task still says "doing" and would hold its lock forever."""
        session.execute(_FORGET_DOING, {"task": TASK_NAME, "job_id": job_id})

    def enqueue(self, job_id: str) -> None:
        """For a job handed over outside a transaction (not the usual path): defer it now."""
        from infra.jobs.registry import kind_of

        with session_scope(self._factory or get_session_factory()) as session:
            job = session.get_one(Job, job_id)
            spec = kind_of(job.kind)
            if spec is not None:
                self.defer_in(session, job, spec)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


def make_app(database_url: str, factory: sessionmaker[Session] | None = None) -> Any:
    """The Procrastinate app a worker runs: one task, ``govcloud.run_job``."""
    from procrastinate import App, PsycopgConnector

    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url)))

    @app.task(name=TASK_NAME)
    def govcloud_run_job(job_id: str) -> None:
        run_job(job_id, factory)

    return app


def run_worker(
    database_url: str,
    *,
    queues: Sequence[str] | None,
    concurrency: int,
    factory: sessionmaker[Session] | None = None,
    name: str | None = None,
) -> None:
    """Run a Procrastinate worker in the foreground until SIGINT/SIGTERM."""
    app = make_app(database_url, factory)
    app.run_worker(
        queues=list(queues) if queues else None,
        concurrency=concurrency,
        name=name,
        delete_jobs="successful",
        install_signal_handlers=True,
    )

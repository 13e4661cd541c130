"""Empty jobs/s through govcloud's job layer on Procrastinate ÷ Procrastinate's own rate.

    GOVCLOUD_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/jobs.py [N]

Makes a fresh database, queues N empty tasks of each kind first, then lets 1 and then 2
worker processes (concurrency 1 each) drain them; the rate is N ÷ (last finish − first start)
read from the database (Procrastinate's events for the baseline, ``jobs`` for govcloud).

* baseline: a plain Procrastinate task ``bench.empty`` (defer + worker), nothing else;
* govcloud: ``jobs.noop`` submitted with ``submit_job`` (row + task in one transaction), run
  through ``run_job``: claim, lease with a heartbeat thread, guarded finish.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _base_app(conninfo: str):  # type: ignore[no-untyped-def]
    from procrastinate import App, PsycopgConnector

    app = App(connector=PsycopgConnector(conninfo=conninfo))

    @app.task(name="bench.empty", queue="bench_base")
    def empty() -> None:
        return None

    return app


def worker(which: str, url: str) -> None:
    from infra.jobs.engine import conninfo, make_app

    if which == "base":
        app = _base_app(conninfo(url))
        queues = ["bench_base"]
    else:
        from infra.database import session_factories
        from portal_api.runtime import install_registry

        install_registry()
        engine = create_engine(url, pool_size=4)
        app = make_app(url, session_factories(engine)[1])
        queues = ["default"]
    app.run_worker(queues=queues, wait=False, concurrency=1, install_signal_handlers=False)


def _drain(kind: str, url: str, workers: int) -> None:
    env = os.environ | {"PYTHONPATH": str(ROOT), "GOVCLOUD_DATABASE_URL": url}
    procs = [
        subprocess.Popen([sys.executable, __file__, "_worker", kind, url], env=env)
        for _ in range(workers)
    ]
    for p in procs:
        p.wait(timeout=1800)


def _rate(url: str, kind: str) -> float:
    engine = create_engine(url)
    with engine.connect() as conn:
        if kind == "base":
            row = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE e.type = 'succeeded'), "
                    "min(e.at) FILTER (WHERE e.type = 'started'), "
                    "max(e.at) FILTER (WHERE e.type = 'succeeded') "
                    "FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
                    "WHERE j.task_name = 'bench.empty'"
                )
            ).one()
        else:
            row = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE status = 'succeeded'), min(started_at), "
                    "max(finished_at) FROM jobs WHERE kind = 'jobs.noop'"
                )
            ).one()
    engine.dispose()
    done, first, last = row
    seconds: float = (last - first).total_seconds()
    return float(done) / max(1e-9, seconds)


def _fill(url: str, n: int) -> None:
    from infra.audit.actor import Actor
    from infra.jobs.engine import ProcrastinateBackend, conninfo
    from infra.jobs.runner import set_backend
    from infra.jobs.service import submit_job
    from portal_api.runtime import install_registry

    install_registry()
    engine = create_engine(url)
    factory = sessionmaker(engine)
    set_backend(ProcrastinateBackend(factory))
    with factory.begin() as s:
        s.execute(text("DELETE FROM jobs"))
        for _ in range(n):
            submit_job(s, kind="jobs.noop", title="bench", params={}, actor=Actor.system("bench"))
    engine.dispose()
    app = _base_app(conninfo(url))
    with app.open():
        with psycopg.connect(conninfo(url), autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'bench.empty'")
        app.configure_task("bench.empty").batch_defer(*([{}] * n))


def main(n: int) -> None:
    from infra.jobs.engine import ensure_schema
    from portal_api.schema import migrate

    base = os.environ.get("GOVCLOUD_BENCH_POSTGRES_URL") or os.environ.get(
        "GOVCLOUD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    admin = make_url(base).set(drivername="postgresql").render_as_string(False)
    name = f"govcloud_bench_jobs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        migrate.upgrade(rendered)
        ensure_schema(rendered)
        print(f"{n} empty jobs, workers of concurrency 1, PostgreSQL {make_url(base).host}")
        print(f"{'workers':>7} {'procrastinate/s':>16} {'govcloud/s':>11} {'ratio':>6}")
        for workers in (1, 2):
            _fill(rendered, n)
            started = time.monotonic()
            _drain("base", rendered, workers)
            _drain("govcloud", rendered, workers)
            base_rate, ours = _rate(rendered, "base"), _rate(rendered, "govcloud")
            print(
                f"{workers:>7} {base_rate:>16.1f} {ours:>11.1f} {ours / base_rate:>6.2f}"
                f"   ({time.monotonic() - started:.0f} s)"
            )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        os.environ.setdefault("GOVCLOUD_DEMO", "1")
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)

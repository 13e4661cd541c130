"""Migration runs against real SSH hosts and the local PostgreSQL: every byte and row arrives,
the source is only read."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.jobs.enums import JobStatus
from infra.jobs.models import Job, JobEvent
from infra.migration import runs
from infra.migration.enums import RunStatus, SystemStatus
from infra.migration.models import LegacySystem, MigrationRun
from infra.migration.schemas import RunCreate
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.conftest import (
    MigrationEnv,
    ScratchDatabases,
    assert_nothing_left,
    manifest,
    stat_snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _one_backend(backend_name: str) -> None:
    # The control panel's database plays no part here (the moved database is a scratch one).
    if backend_name != "sqlite":
        pytest.skip("migration runs exercise SSH hosts, rsync, Ansible and PostgreSQL dumps")


def start(session: Session, env: MigrationEnv, **extra: object) -> MigrationRun:
    data = RunCreate.model_validate(
        {
            "system_id": env.system.id,
            "source_id": env.source_target.id,
            "destination_id": env.destination_target.id,
            "data_dirs": [{"source": env.remote_source, "destination": env.remote_destination}],
        }
        | extra
    )
    run = runs.create_run(session, data=data, actor=SYSTEM, scope=EVERYTHING)
    run_id = run.id
    session.commit()  # the inline backend runs it to the end here
    session.expire_all()
    found = session.get(MigrationRun, run_id)
    assert found is not None
    return found


def counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        return {
            f"{s}.{t}": conn.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0]  # type: ignore[index]
            for s, t in tables
        }


def test_data_and_database_arrive_whole_and_the_source_is_only_read(
    session: Session, migration_env: MigrationEnv, scratch_databases: ScratchDatabases
) -> None:
    env = migration_env
    before = manifest(env.source_dir)
    stats_before = stat_snapshot(env.source_dir)
    run = start(
        session,
        env,
        databases=[
            {
                "source_dsn": scratch_databases.source_dsn,
                "destination_dsn": scratch_databases.destination_dsn,
            }
        ],
    )
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert [s["status"] for s in run.steps] == ["done", "done", "done", "done", "skipped"]
    # Every byte: the destination holds exactly the source's files, and the run proved it.
    assert manifest(env.destination_dir) == before
    (data,) = run.results["data"]
    assert data["entries"] == len(before)
    assert data["files"] == sum(1 for e in before.values() if "sha256" in e)
    assert data["bytes"] == sum(e.get("size", 0) for e in before.values())
    # Every row.
    assert counts(scratch_databases.destination_dsn) == scratch_databases.rows
    assert run.results["databases"][0]["tables"] == {
        k: str(v) for k, v in sorted(scratch_databases.rows.items())
    }
    # The source was only read.
    assert manifest(env.source_dir) == before
    assert stat_snapshot(env.source_dir) == stats_before
    # Ansible's events are in the job's log; nothing secret stayed behind.
    job = session.get(Job, run.job_id)
    assert job is not None
    assert job.status is JobStatus.SUCCEEDED
    messages = [
        e.message for e in session.scalars(select(JobEvent).where(JobEvent.job_id == job.id))
    ]
    assert any(m.startswith("copy_data: source changed: Rsync each directory") for m in messages)
    assert_nothing_left(session, env)
    system = session.get(LegacySystem, env.system.id)
    assert system is not None
    assert system.status is SystemStatus.MIGRATING

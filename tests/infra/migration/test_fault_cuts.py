"""More faults, each ending complete or rolled back with nothing lost and nothing left: the
controller's link to the source cut mid-copy, the destination cut mid-verification, the
database connection cut mid-restore, the destination cut during cut-over, and the control
panel killed after the source was stopped.  Real hosts (network namespaces), real SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

from infra.jobs.runner import InProcessBackend, set_backend
from infra.migration import runs
from infra.migration.ansible_adapter import PlaybookEvent, PlaybookRequest, PlaybookResult
from infra.migration.enums import RunKind, RunStatus
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration import test_faults as faults
from tests.infra.migration.conftest import (
    PG_ADMIN,
    MigrationEnv,
    ScratchDatabases,
    assert_nothing_left,
    manifest,
    secrets_left,
    stat_snapshot,
)
from tests.infra.migration.test_faults import (
    Parked,
    partial_copy_started,
    plan,
    reload,
    runs_inline,
    serving,
    step_status,
    wait_for,
)

# The fixtures of the first fault tests, shared here.
running_service = faults.running_service
database_url_for_children = faults.database_url_for_children

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _netns_sqlite(backend_name: str, migration_env: MigrationEnv) -> None:
    if backend_name != "sqlite":
        pytest.skip("fault tests exercise SSH hosts, rsync and Ansible; they run on SQLite only")
    if migration_env.hosts.mode != "netns":
        pytest.skip("needs network namespaces (link cuts)")


def resume(session: Session, factory: sessionmaker[Session], run_id: int) -> Any:
    set_backend(runs_inline(factory))
    runs.resume_run(session, run_id=run_id, actor=SYSTEM, scope=EVERYTHING)
    session.commit()
    return reload(session, run_id)


def wrap_playbooks(
    monkeypatch: pytest.MonkeyPatch,
    fault: Callable[[PlaybookRequest, PlaybookEvent | None], None],
) -> Callable[[], None]:
    """Call ``fault`` before each playbook and on each of its events (once is up to it);
    returns what puts the real runner back."""
    real = runs.run_playbook  # type: ignore[attr-defined]

    def wrapped(request: PlaybookRequest, **kwargs: Any) -> PlaybookResult:
        fault(request, None)
        on_event = kwargs.get("on_event")

        def hooked(event: PlaybookEvent) -> None:
            fault(request, event)
            if on_event is not None:
                on_event(event)

        kwargs["on_event"] = hooked
        return real(request, **kwargs)

    monkeypatch.setattr(runs, "run_playbook", wrapped)
    return lambda: monkeypatch.setattr(runs, "run_playbook", real)


def test_the_controllers_link_to_the_source_cut_mid_copy(
    session: Session, session_factory: sessionmaker[Session], migration_env: MigrationEnv
) -> None:
    """Only the controller loses the source (the source still reaches the destination, so its
    rsync may go on): the step fails, the resumed attempt first stops what the lost one left
    on the source and removes its transfer key, then completes."""
    env = migration_env
    before, stats = manifest(env.source_dir), stat_snapshot(env.source_dir)
    backend = InProcessBackend(1, session_factory)
    set_backend(backend)
    try:
        run = runs.create_run(
            session, data=plan(env, bwlimit_kib=40), actor=SYSTEM, scope=EVERYTHING
        )
        run_id = run.id
        session.commit()
        wait_for(lambda: partial_copy_started(env), 90, "the copy to start")
        env.source.cut_controller()
        wait_for(lambda: reload(session, run_id).status is not RunStatus.RUNNING, 120, "the cut")
    finally:
        env.source.restore_controller()
        backend.shutdown(wait=True)
    assert step_status(session, run_id, "copy_data") == "failed"
    done = resume(session, session_factory, run_id)
    assert done.status is RunStatus.SUCCEEDED, done.error
    assert manifest(env.destination_dir) == before
    assert stat_snapshot(env.source_dir) == stats
    assert_nothing_left(session, env)


def test_the_destination_cut_mid_verification(
    session: Session,
    session_factory: sessionmaker[Session],
    migration_env: MigrationEnv,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The link goes down once the source's manifest is built: verification fails (never
    passes without having compared), the resumed run verifies again and completes."""
    env = migration_env
    before = manifest(env.source_dir)
    cut = threading.Event()

    def fault(request: PlaybookRequest, event: PlaybookEvent | None) -> None:
        if (
            request.playbook == "verify_data.yml"
            and event is not None
            and event.kind == "ok"
            and event.task == "Build each source manifest"
            and not cut.is_set()
        ):
            cut.set()
            env.destination.cut_link()

    unwrap = wrap_playbooks(monkeypatch, fault)
    set_backend(runs_inline(session_factory))
    run = runs.create_run(session, data=plan(env), actor=SYSTEM, scope=EVERYTHING)
    run_id = run.id
    session.commit()
    env.destination.restore_link()
    failed = reload(session, run_id)
    assert cut.is_set()
    assert failed.status is RunStatus.FAILED
    assert step_status(session, run_id, "verify_data") == "failed", failed.error
    unwrap()
    done = resume(session, session_factory, run_id)
    assert done.status is RunStatus.SUCCEEDED, done.error
    assert manifest(env.destination_dir) == before
    assert_nothing_left(session, env)


def test_the_database_connection_cut_mid_restore(
    session: Session,
    session_factory: sessionmaker[Session],
    migration_env: MigrationEnv,
    scratch_databases: ScratchDatabases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pg_restore's connection is terminated while it waits inside its one transaction: the
    step fails, the destination keeps nothing half-restored, the resumed run restores every
    row."""
    env = migration_env
    db = scratch_databases
    holder = psycopg.connect(db.destination_dsn)  # a table pg_restore --clean must drop
    holder.execute("CREATE TABLE people (id int)")
    holder.commit()
    holder.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
    killed: list[int] = []

    def cut_restore() -> None:
        def waiting() -> bool:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                rows = admin.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = %s",
                    [db.destination_dsn.rsplit("=", 1)[1]],
                ).fetchall()
                for (pid,) in rows:
                    admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                    killed.append(pid)
            return bool(killed)

        wait_for(waiting, 120, "pg_restore to wait on the lock")
        holder.rollback()
        holder.close()

    def fault(request: PlaybookRequest, event: PlaybookEvent | None) -> None:
        if request.playbook == "database.yml" and event is None and not killed:
            threading.Thread(target=cut_restore, daemon=True).start()

    unwrap = wrap_playbooks(monkeypatch, fault)
    set_backend(runs_inline(session_factory))
    databases = [{"source_dsn": db.source_dsn, "destination_dsn": db.destination_dsn}]
    run = runs.create_run(
        session, data=plan(env, databases=databases), actor=SYSTEM, scope=EVERYTHING
    )
    run_id = run.id
    session.commit()
    failed = reload(session, run_id)
    assert killed, "the restore was never cut"
    assert step_status(session, run_id, "database") == "failed", failed.error
    unwrap()
    done = resume(session, session_factory, run_id)
    assert done.status is RunStatus.SUCCEEDED, done.error
    with psycopg.connect(db.destination_dsn) as conn:
        for table, rows in db.rows.items():
            schema, name = table.split(".")
            count = conn.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()
            assert count is not None
            assert count[0] == rows
    assert_nothing_left(session, env)


def test_the_destination_cut_during_cut_over_then_an_operator_rolls_back(
    session: Session,
    session_factory: sessionmaker[Session],
    migration_env: MigrationEnv,
    running_service: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The destination is lost as its service starts: the run's own rollback cannot reach it
    and says so (the source is not restarted beside a destination that may be serving); once
    the link is back the operator's rollback discards the destination and restarts the
    source.  Nothing of the source is lost."""
    env = migration_env
    before, stats = manifest(env.source_dir), stat_snapshot(env.source_dir)
    config_dir = f"{env.destination.remote_srv}/etc-{env.source_dir.name}"
    set_backend(runs_inline(session_factory))
    spec = running_service

    def cut_at_start(request: PlaybookRequest, event: PlaybookEvent | None) -> None:
        if event is None and request.extravars.get("service_action") == "configure_start":
            env.destination.cut_link()

    unwrap = wrap_playbooks(monkeypatch, cut_at_start)
    cut = runs.create_run(
        session,
        data=plan(env, kind=RunKind.CUTOVER, service=spec, service_config_dir=config_dir),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    cut_id = cut.id
    session.commit()
    env.destination.restore_link()
    unwrap()
    failed = reload(session, cut_id)
    assert failed.status is RunStatus.FAILED, failed.error
    assert "rollback failed" in (failed.error or "")
    assert not serving(env, "source")

    back = runs.rollback(session, run_id=cut_id, actor=SYSTEM, scope=EVERYTHING)
    back_id = back.id
    session.commit()
    rolled = reload(session, back_id)
    assert rolled.status is RunStatus.SUCCEEDED, rolled.error
    assert serving(env, "source")
    assert not env.destination_dir.exists()
    assert manifest(env.source_dir) == before
    assert stat_snapshot(env.source_dir) == stats
    assert_nothing_left(session, env)


def test_killed_after_the_source_was_stopped_then_rolled_back(
    session: Session,
    session_factory: sessionmaker[Session],
    migration_env: MigrationEnv,
    running_service: dict[str, Any],
    database_url_for_children: str,
) -> None:
    """The control panel dies by SIGKILL mid final-sync, after it stopped the source: the
    rollback first stops the dead attempt's Ansible and SSH, removes its keys (controller and
    source), then discards the destination and restarts the source."""
    env = migration_env
    before = manifest(env.source_dir)
    parked = Parked()
    set_backend(parked)
    cut = runs.create_run(
        session,
        data=plan(
            env,
            kind=RunKind.CUTOVER,
            service=running_service,
            service_config_dir=f"{env.destination.remote_srv}/etc-{env.source_dir.name}",
            bwlimit_kib=40,
        ),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    cut_id = cut.id
    session.commit()
    (job_id,) = parked.jobs
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from portal_api.runtime import install_registry; "
            "from infra.jobs.runner import run_job; install_registry(); run_job(sys.argv[1])",
            job_id,
        ],
        env=os.environ | {"GOVCLOUD_DATABASE_URL": database_url_for_children, "GOVCLOUD_DEMO": "1"},
        start_new_session=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        wait_for(lambda: step_status(session, cut_id, "stop_source") == "done", 120, "stop")
        wait_for(lambda: partial_copy_started(env), 90, "the final sync to start")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert not serving(env, "source")
    assert secrets_left(session, env), "the killed attempt's keys should be there to sweep"

    killed = reload(session, cut_id)  # a fresh snapshot: the dead process wrote after ours
    assert killed.status is RunStatus.RUNNING
    assert not runs.owner_alive(killed.owner)

    set_backend(runs_inline(session_factory))
    back = runs.rollback(session, run_id=cut_id, actor=SYSTEM, scope=EVERYTHING)
    back_id = back.id
    session.commit()
    rolled = reload(session, back_id)
    assert rolled.status is RunStatus.SUCCEEDED, rolled.error
    assert serving(env, "source")
    assert not env.destination_dir.exists()
    assert manifest(env.source_dir) == before
    assert_nothing_left(session, env)

"""Faults during migration: the link cut mid-copy, the run's process killed, a file corrupted
on the destination at cut-over.  Each is detected, then resumed or rolled back; the source is
never modified before a cut-over succeeds; afterwards every source byte is accounted for.

These exercise hosts, rsync and Ansible, not the database: they run on one backend only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from infra.events.models import OutboxEvent
from infra.jobs.models import JobEvent
from infra.jobs.runner import InProcessBackend, set_backend
from infra.migration import runs
from infra.migration.ansible_adapter import PlaybookRequest, PlaybookResult
from infra.migration.enums import RunKind, RunStatus, SystemStatus
from infra.migration.events import SystemCutOver
from infra.migration.models import LegacySystem, MigrationRun
from infra.migration.schemas import RunCreate
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.conftest import (
    MigrationEnv,
    assert_nothing_left,
    manifest,
    secrets_left,
    stat_snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PORT = 18080


@pytest.fixture(autouse=True)
def _one_backend(backend_name: str) -> None:
    if backend_name != "sqlite":
        pytest.skip("fault tests exercise SSH hosts, rsync and Ansible; they run on SQLite only")


def _needs_namespaces(env: MigrationEnv) -> None:
    if env.hosts.mode != "netns":
        pytest.skip("needs network namespaces (link cuts, one port per host)")


def plan(env: MigrationEnv, **extra: Any) -> RunCreate:
    return RunCreate.model_validate(
        {
            "system_id": env.system.id,
            "source_id": env.source_target.id,
            "destination_id": env.destination_target.id,
            "data_dirs": [{"source": env.remote_source, "destination": env.remote_destination}],
        }
        | extra
    )


def reload(session: Session, run_id: int) -> MigrationRun:
    session.commit()  # end the read transaction: see what the run's process committed since
    session.expire_all()
    run = session.get(MigrationRun, run_id)
    assert run is not None
    return run


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def step_status(session: Session, run_id: int, name: str) -> str:
    return str(next(s["status"] for s in reload(session, run_id).steps if s["name"] == name))


def partial_copy_started(env: MigrationEnv) -> bool:
    return env.destination_dir.exists() and any(env.destination_dir.rglob("*"))


def test_link_cut_mid_copy_is_detected_and_the_run_resumes(
    session: Session, session_factory: sessionmaker[Session], migration_env: MigrationEnv
) -> None:
    env = migration_env
    _needs_namespaces(env)
    before, stats = manifest(env.source_dir), stat_snapshot(env.source_dir)
    backend = InProcessBackend(1, session_factory)
    set_backend(backend)
    try:
        # ~260 KiB at 40 KiB/s: the copy is under way for about six seconds.
        run = runs.create_run(
            session, data=plan(env, bwlimit_kib=40), actor=SYSTEM, scope=EVERYTHING
        )
        run_id = run.id
        session.commit()
        wait_for(lambda: partial_copy_started(env), 60, "the copy to start")
        env.destination.cut_link()
        wait_for(
            lambda: reload(session, run_id).status is not RunStatus.RUNNING,
            90,
            "the cut to be seen",
        )
    finally:
        env.destination.restore_link()
        backend.shutdown(wait=True)
    failed = reload(session, run_id)
    assert step_status(session, run_id, "copy_data") == "failed", (failed.steps, failed.error)
    assert step_status(session, run_id, "preflight") == "done"
    assert "copy_data failed" in (failed.error or "")
    assert manifest(env.destination_dir) != before  # it really was cut short

    set_backend(runs_inline(session_factory))
    runs.resume_run(session, run_id=run_id, actor=SYSTEM, scope=EVERYTHING)
    session.commit()
    done = reload(session, run_id)
    assert done.status is RunStatus.SUCCEEDED, done.error
    assert done.attempts == 2
    assert manifest(env.destination_dir) == before
    assert manifest(env.source_dir) == before
    assert stat_snapshot(env.source_dir) == stats
    assert_nothing_left(session, env)


def runs_inline(factory: sessionmaker[Session]) -> Any:
    from infra.jobs.runner import InlineBackend

    return InlineBackend(factory)


class Parked:
    """A backend that runs nothing: the test hands the job to a process of its own."""

    def __init__(self) -> None:
        self.jobs: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.jobs.append(job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


@pytest.fixture
def database_url_for_children(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_run_killed_midway_resumes_and_loses_nothing(
    session: Session,
    session_factory: sessionmaker[Session],
    migration_env: MigrationEnv,
    database_url_for_children: str,
) -> None:
    env = migration_env
    before, stats = manifest(env.source_dir), stat_snapshot(env.source_dir)
    parked = Parked()
    set_backend(parked)
    data = plan(env, bwlimit_kib=40)
    run = runs.create_run(session, data=data, actor=SYSTEM, scope=EVERYTHING)
    run_id = run.id
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
        wait_for(lambda: partial_copy_started(env), 60, "the copy to start")
        # The control panel dies; Ansible (in a session of its own) and its SSH live on.
        os.kill(child.pid, signal.SIGKILL)
        orphans = [
            p
            for p in psutil.process_iter(["cmdline"])
            if str(env.run_root) in " ".join(p.info["cmdline"] or [])
        ]
        assert orphans, "Ansible should have outlived the control panel"
        # The helper that proves nothing is left finds what the killed attempt left: the
        # decrypted keys on the controller and the transfer key on the source host.
        left = secrets_left(session, env)
        assert any(p.startswith(str(env.run_root)) and p.endswith(".key") for p in left), left
        assert any(p.endswith("/transfer/key") for p in left), left
    finally:
        child.wait(timeout=30)
    killed = reload(session, run_id)
    assert killed.status is RunStatus.RUNNING  # nobody could record anything
    assert not runs.owner_alive(killed.owner)
    assert manifest(env.destination_dir) != before

    set_backend(runs_inline(session_factory))
    runs.resume_run(session, run_id=run_id, actor=SYSTEM, scope=EVERYTHING)
    session.commit()
    done = reload(session, run_id)
    assert done.status is RunStatus.SUCCEEDED, done.error
    assert manifest(env.destination_dir) == before
    assert stat_snapshot(env.source_dir) == stats
    # The resumed attempt first stopped what the dead one left running.
    assert all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in orphans)
    log = [
        e.message for e in session.scalars(select(JobEvent).where(JobEvent.job_id == done.job_id))
    ]
    assert any("left by an earlier attempt" in m for m in log)
    # The decrypted keys (controller and source) the killed process left behind are gone after
    # the resumed run, and nothing of either attempt runs.
    assert_nothing_left(session, env)


# --- cut-over ------------------------------------------------------------------------------


def serving(env: MigrationEnv, which: str) -> bool:
    host = env.source if which == "source" else env.destination
    result = subprocess.run(
        host.exec_argv(["python3", "-c", _PROBE.format(port=PORT)]),
        capture_output=True,
        timeout=20,
        check=False,
    )
    return result.returncode == 0


_PROBE = (
    "import urllib.request,sys\n"
    "try: urllib.request.urlopen('http://127.0.0.1:{port}/config.ini', timeout=2)\n"
    "except Exception: sys.exit(1)\n"
)


@pytest.fixture
def running_service(migration_env: MigrationEnv) -> Iterator[dict[str, Any]]:
    """The legacy system's service, running on the source (an HTTP server over its data)."""
    env = migration_env
    _needs_namespaces(env)
    tag = env.source_dir.name
    srv = env.source.remote_srv  # /srv: each host has its own
    # The same command on both sides: each serves its own copy of the data directory.
    spec = {
        "name": f"svc-{tag}",
        "start": (
            f"cd {srv} && d=$(ls -d legacy-* cloud-* 2>/dev/null | head -1) && "
            f'{{ setsid python3 -m http.server {PORT} --directory "$d" '
            f"> /dev/null 2>&1 < /dev/null & echo $! > {srv}/.svc.pid; }}"
        ),
        "stop": f"kill $(cat {srv}/.svc.pid); rm -f {srv}/.svc.pid",
        "health_url": f"http://127.0.0.1:{PORT}/config.ini",
    }
    subprocess.run(env.hosts.ssh_argv(env.source, spec["start"]), check=True, timeout=30)
    wait_for(lambda: serving(env, "source"), 20, "the source service")
    yield spec
    for host in (env.source, env.destination):
        subprocess.run(env.hosts.ssh_argv(host, spec["stop"]), check=False, timeout=30)


def test_cutover_moves_the_service_and_a_corrupt_copy_is_rolled_back(
    session: Session,
    migration_env: MigrationEnv,
    running_service: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = migration_env
    spec = running_service
    before, stats = manifest(env.source_dir), stat_snapshot(env.source_dir)
    config_dir = f"{env.destination.remote_srv}/etc-{env.source_dir.name}"
    run = runs.create_run(
        session,
        data=plan(env, service=spec, service_config_dir=config_dir),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    run_id = run.id
    session.commit()
    migrated = reload(session, run_id)
    assert migrated.status is RunStatus.SUCCEEDED, migrated.error
    # Before cut-over the source is untouched and still serving.
    assert serving(env, "source")
    assert stat_snapshot(env.source_dir) == stats

    # Cut-over, with a file damaged on the destination after the final sync.
    victim = env.destination_dir / "config.ini"
    real_run = runs.run_playbook  # type: ignore[attr-defined]

    def corrupting(request: PlaybookRequest, **kwargs: Any) -> PlaybookResult:
        if request.playbook == "verify_data.yml":
            victim.write_text("[app]\nname = tampered\n")
        return real_run(request, **kwargs)

    monkeypatch.setattr(runs, "run_playbook", corrupting)
    cut = runs.create_run(
        session,
        data=plan(
            env, kind=RunKind.CUTOVER, service=running_service, service_config_dir=config_dir
        ),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    cut_id = cut.id
    session.commit()
    rolled = reload(session, cut_id)
    assert rolled.status is RunStatus.ROLLED_BACK, rolled.error
    assert "verify_data failed" in (rolled.error or "")
    assert [s["status"] for s in rolled.steps if s["name"].startswith("rollback:")] == [
        "done",
        "done",
    ]
    assert not env.destination_dir.exists()  # the destination is discarded
    assert serving(env, "source")  # the source serves again
    assert manifest(env.source_dir) == before
    system = session.get(LegacySystem, env.system.id)
    assert system is not None
    assert system.status is SystemStatus.ROLLED_BACK

    # A clean cut-over straight after: its final sync copies everything again.
    monkeypatch.setattr(runs, "run_playbook", real_run)
    final = runs.create_run(
        session,
        data=plan(
            env, kind=RunKind.CUTOVER, service=running_service, service_config_dir=config_dir
        ),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    final_id = final.id
    session.commit()
    done = reload(session, final_id)
    assert done.status is RunStatus.SUCCEEDED, done.error
    assert not serving(env, "source")
    assert serving(env, "destination")
    assert manifest(env.destination_dir) == before
    assert manifest(env.source_dir) == before
    session.expire_all()
    system = session.get(LegacySystem, env.system.id)
    assert system is not None
    assert system.status is SystemStatus.MIGRATED
    # Only the cut-over that succeeded is news (the rolled-back one published nothing).
    cut_over = session.scalars(
        select(OutboxEvent).where(OutboxEvent.type == SystemCutOver.type)
    ).all()
    assert [(e.aggregate_id, e.payload["run_id"]) for e in cut_over] == [(str(system.id), final_id)]
    assert_nothing_left(session, env)

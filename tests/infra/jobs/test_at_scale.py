"""Many processes, one PostgreSQL: two panels, two workers, the CLI (the real engine).

Each test here starts real processes on free 127.0.0.1 ports with short leases (3 s, a
heartbeat every 0.5 s), so they are slow and need ``GOVCLOUD_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from infra.jobs.enums import JobStatus
from infra.jobs.models import Job, JobEvent
from portal_api.schema import migrate

POSTGRES_URL = os.environ.get("GOVCLOUD_TEST_POSTGRES_URL", "")
ROOT = Path(__file__).resolve().parents[3]
GOVCLOUD = str(Path(sys.executable).with_name("govcloud"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not POSTGRES_URL,
        reason="needs PostgreSQL (set GOVCLOUD_TEST_POSTGRES_URL): the engine is Procrastinate",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Cluster:
    url: str
    env: dict[str, str]
    factory: sessionmaker[Session]
    logs: Path
    panels: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)  # port → process
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:  # the child keeps its own copy
            return subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out, stderr=out)

    def start_panel(self, port: int) -> None:
        proc = self._spawn([GOVCLOUD, "serve", "--port", str(port)], f"panel-{port}")
        self.panels[port] = proc

        def up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(up, 60, f"panel on {port}")

    def start_worker(self) -> subprocess.Popen[bytes]:
        proc = self._spawn(
            [sys.executable, "-m", "tests.infra.jobs.scale_worker", "4"],
            f"worker-{len(self.workers)}",
        )
        self.workers.append(proc)
        return proc

    def stop(self) -> None:
        for proc in [*self.panels.values(), *self.workers]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.panels.values(), *self.workers]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    from sqlalchemy import make_url

    name = f"govcloud_scale_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    migrate.upgrade(rendered)
    env = os.environ | {
        "GOVCLOUD_DATABASE_URL": rendered,
        "GOVCLOUD_DEMO": "1",
        "GOVCLOUD_JOBS__BACKEND": "procrastinate",
        "GOVCLOUD_JOBS__LEASE_S": "3",
        "GOVCLOUD_JOBS__HEARTBEAT_S": "0.5",
        "GOVCLOUD_JOBS__MAINTENANCE_S": "0.5",
        "GOVCLOUD_NEW_PASSWORD": "scale-test-password-1",
        "PYTHONPATH": str(ROOT),
    }
    engine = create_engine(rendered)
    c = Cluster(rendered, env, sessionmaker(engine), tmp_path_factory.mktemp("logs"))
    subprocess.run(
        [GOVCLOUD, "user", "create", "--username", "ops", "--role", "operator"],
        env=env,
        check=True,
        capture_output=True,
    )
    token = (
        subprocess.run(
            [GOVCLOUD, "token", "create", "--username", "ops"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    c.env["SCALE_TOKEN"] = token
    try:
        for _ in range(2):
            c.start_panel(_free_port())
        for _ in range(2):
            c.start_worker()
        yield c
    finally:
        c.stop()
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _events(c: Cluster, job_id: str) -> list[JobEvent]:
    with c.factory() as s:
        return list(
            s.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq))
        )


def _job(c: Cluster, job_id: str) -> Job:
    with c.factory() as s:
        return s.get_one(Job, job_id)


def test_200_jobs_through_two_panels_each_run_exactly_once(cluster: Cluster) -> None:
    """Catches a job lost between the panel's commit and the queue, or run by two workers:
    every job is succeeded, claimed once (attempts == 1), and its handler logged once."""
    headers = {"Authorization": f"Bearer {cluster.env['SCALE_TOKEN']}"}
    ports = list(cluster.panels)
    ids = []
    with httpx.Client(timeout=30) as client:
        for i in range(200):
            r = client.post(f"http://127.0.0.1:{ports[i % 2]}/api/v1/audit/verify", headers=headers)
            assert r.status_code == 202, r.text
            ids.append(r.json()["job_id"])

    def done() -> bool:
        with cluster.factory() as s:
            return s.scalar(
                select(func.count()).where(Job.id.in_(ids), Job.status == JobStatus.SUCCEEDED)
            ) == len(ids)

    _wait(done, 120, "200 jobs")
    with cluster.factory() as s:
        attempts = Counter(s.scalars(select(Job.attempts).where(Job.id.in_(ids))))
        ran = Counter(
            s.scalars(
                select(JobEvent.job_id).where(
                    JobEvent.job_id.in_(ids), JobEvent.message == "verifying the audit chain"
                )
            )
        )
    assert attempts == {1: 200}
    assert set(ran.values()) == {1}
    assert len(ran) == 200


def test_a_killed_worker_s_job_is_retried_by_the_other_once_its_lease_lapses(
    cluster: Cluster,
) -> None:
    """SIGKILL the worker running a job mid-way: its lease lapses, the other worker runs the
    second attempt (jobs.noop allows one retry), the two attempts never overlap, and the event
    log stays one gap-free sequence."""
    from infra.audit.actor import Actor
    from infra.jobs.engine import ProcrastinateBackend
    from infra.jobs.runner import set_backend
    from infra.jobs.service import submit_job

    previous = set_backend(ProcrastinateBackend(cluster.factory))  # submit as a panel does
    try:
        with cluster.factory.begin() as s:
            job_id = submit_job(
                s, kind="jobs.noop", title="slow", params={"seconds": "4"}, actor=Actor.system("t")
            ).id
    finally:
        set_backend(previous)
    _wait(lambda: len(_events(cluster, job_id)) >= 2, 30, "the first ticks")
    owner = _job(cluster, job_id).owner
    assert owner is not None
    pid = int(owner.split(":")[1])
    victim = next(w for w in cluster.workers if w.pid == pid)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    cluster.workers.remove(victim)
    _wait(lambda: _job(cluster, job_id).status.finished, 60, "the retry to finish")
    job = _job(cluster, job_id)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.owner != owner
    events = _events(cluster, job_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    owners = [(e.data or {}).get("owner") for e in events]
    lapse = next(i for i, e in enumerate(events) if "lapsed" in e.message)
    assert set(owners[:lapse]) == {owner}
    assert owner not in owners[lapse + 1 :]
    assert all(e.at >= events[lapse].at for e in events[lapse:])
    cluster.start_worker()


def test_a_schedule_every_2s_runs_once_per_period_across_two_workers(cluster: Cluster) -> None:
    """Catches two workers both running a period (or one skipping some): over ~20 s every
    2-second period has exactly one job and its handler ran once."""
    time.sleep(20)
    with cluster.factory() as s:
        rows = s.execute(
            text(
                "SELECT period_start, job_id FROM schedule_runs WHERE name = 'tests.every2s' "
                "ORDER BY period_start"
            )
        ).all()
        ran = Counter(
            e.message
            for e in s.scalars(
                select(JobEvent)
                .join(Job, Job.id == JobEvent.job_id)
                .where(Job.kind == "schedule:tests.every2s", JobEvent.message.like("ran for %"))
            )
        )
    starts = [r.period_start for r in rows]
    assert len(starts) >= 8
    assert all(b - a == dt.timedelta(seconds=2) for a, b in itertools.pairwise(starts))
    assert set(ran.values()) == {1}
    done = {f"ran for {s.isoformat()}" for s in starts[:-2]}  # the last may still be running
    assert done <= set(ran)


def test_a_panel_restarted_while_a_cli_job_runs_does_not_fail_it(cluster: Cluster) -> None:
    """The old start-up recovery failed every running job; now the CLI's heartbeat keeps its
    lease and the restarted panel leaves the job alone."""
    cli = subprocess.Popen(
        [GOVCLOUD, "job", "noop", "--seconds", "5"],
        env=cluster.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )

    def running() -> Job | None:
        with cluster.factory() as s:
            return s.scalar(
                select(Job).where(
                    Job.status == JobStatus.RUNNING, Job.title == "noop from the shell"
                )
            )

    _wait(lambda: running() is not None, 30, "the CLI job to start")
    job = running()
    assert job is not None
    port, panel = next(iter(cluster.panels.items()))
    panel.send_signal(signal.SIGTERM)
    panel.wait(timeout=15)
    cluster.start_panel(port)
    out, _ = cli.communicate(timeout=60)
    assert cli.returncode == 0, out
    done = _job(cluster, job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.attempts == 1

"""Run rules that need no hosts: one run per system at a time, the wave's cap, resume rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from infra.discovery.models import DiscoveryTarget, KnownHostKey, SshCredential
from infra.errors import Conflict, InvalidInput
from infra.jobs.runner import set_backend
from infra.migration import runs
from infra.migration.enums import RunStatus
from infra.migration.models import LegacySystem, Wave, WaveMember
from infra.migration.schemas import RunCreate
from tests import factories
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.builders import legacy_system


class Parked:
    def __init__(self) -> None:
        self.jobs: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.jobs.append(job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


@pytest.fixture
def parked() -> Iterator[Parked]:
    backend = Parked()
    previous = set_backend(backend)
    yield backend
    set_backend(previous)


def _targets(session: Session, n: int) -> list[int]:
    cred = SshCredential(name="c", username="root", sealed_key="x", fingerprint="SHA256:x")
    session.add(cred)
    session.flush()
    ids = []
    for i in range(n):
        target = DiscoveryTarget(
            address=f"10.6.0.{i + 1}", port=22, credential_id=cred.id, data_dirs=[]
        )
        session.add(target)
        session.add(
            KnownHostKey(
                address=target.address, port=22, key_type="ssh-ed25519", key="AAAA", fingerprint="f"
            )
        )
        session.flush()
        ids.append(target.id)
    return ids


def _run(system: LegacySystem, source: int, destination: int) -> RunCreate:
    return RunCreate(
        system_id=system.id,
        source_id=source,
        destination_id=destination,
        data_dirs=[{"source": "/srv/a", "destination": "/srv/b"}],
    )


def test_the_wave_cap_and_one_run_per_system(session: Session, parked: Parked) -> None:
    dept = factories.department(session)
    t = _targets(session, 6)
    systems = [legacy_system(session, dept) for _ in range(3)]
    start = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    wave = Wave(
        plan="p", number=1, starts_at=start, ends_at=start + dt.timedelta(days=7), max_concurrent=2
    )
    session.add(wave)
    session.flush()
    for s in systems:
        session.add(
            WaveMember(wave_id=wave.id, system_id=s.id, slot_starts_at=start, slot_ends_at=start)
        )
    session.flush()
    first = runs.create_run(
        session, data=_run(systems[0], t[0], t[1]), actor=SYSTEM, scope=EVERYTHING
    )
    with pytest.raises(Conflict, match="still under way"):
        runs.create_run(session, data=_run(systems[0], t[0], t[1]), actor=SYSTEM, scope=EVERYTHING)
    runs.create_run(session, data=_run(systems[1], t[2], t[3]), actor=SYSTEM, scope=EVERYTHING)
    with pytest.raises(Conflict, match="cap is 2"):
        runs.create_run(session, data=_run(systems[2], t[4], t[5]), actor=SYSTEM, scope=EVERYTHING)
    first.status = RunStatus.SUCCEEDED
    session.flush()
    third = runs.create_run(
        session, data=_run(systems[2], t[4], t[5]), actor=SYSTEM, scope=EVERYTHING
    )
    assert third.status is RunStatus.QUEUED
    session.commit()  # jobs are handed to the backend only once the transaction commits
    assert len(parked.jobs) == 3
    assert [s["name"] for s in third.steps] == [
        "preflight", "copy_data", "verify_data", "database", "configure_service",
    ]  # fmt: skip
    assert [s["status"] for s in third.steps][-2:] == ["skipped", "skipped"]


def test_targets_must_be_trusted_and_distinct(session: Session, parked: Parked) -> None:
    dept = factories.department(session)
    t = _targets(session, 1)
    stranger = DiscoveryTarget(address="10.6.1.1", port=22, credential_id=None, data_dirs=[])
    session.add(stranger)
    session.flush()
    system = legacy_system(session, dept)
    with pytest.raises(InvalidInput) as same:
        runs.create_run(session, data=_run(system, t[0], t[0]), actor=SYSTEM, scope=EVERYTHING)
    assert same.value.problems[0].field == "destination_id"
    with pytest.raises(InvalidInput) as untrusted:
        runs.create_run(
            session, data=_run(system, t[0], stranger.id), actor=SYSTEM, scope=EVERYTHING
        )
    assert "no credential" in untrusted.value.problems[0].message


def test_resume_refuses_a_live_or_finished_run(session: Session, parked: Parked) -> None:
    dept = factories.department(session)
    t = _targets(session, 2)
    system = legacy_system(session, dept)
    run = runs.create_run(session, data=_run(system, t[0], t[1]), actor=SYSTEM, scope=EVERYTHING)
    run.status, run.owner = RunStatus.RUNNING, runs._owner()  # this very process: alive
    session.flush()
    with pytest.raises(Conflict, match="is running"):
        runs.resume_run(session, run_id=run.id, actor=SYSTEM, scope=EVERYTHING)
    run.status, run.owner = RunStatus.SUCCEEDED, None
    session.flush()
    with pytest.raises(Conflict, match="nothing to resume"):
        runs.resume_run(session, run_id=run.id, actor=SYSTEM, scope=EVERYTHING)
    run.status, run.owner = RunStatus.RUNNING, "elsewhere-and-gone:999999"
    assert runs.owner_alive(run.owner)  # another machine's process: assumed alive
    run.owner = f"{runs._owner().rpartition(':')[0]}:999999999"
    assert not runs.owner_alive(run.owner)
    resumed = runs.resume_run(session, run_id=run.id, actor=SYSTEM, scope=EVERYTHING)
    assert resumed.status is RunStatus.QUEUED

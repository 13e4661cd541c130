"""Discovery against real sshd hosts: facts match what the test put there, a dependency edge is
found from a real open connection, an unreachable host and a wrong host key are reported
without stopping the sweep."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.discovery import service
from infra.discovery.enums import Reachability
from infra.discovery.flows import start_sweep
from infra.discovery.models import DependencyEdge, DiscoveryTarget, SshCredential
from infra.discovery.schemas import CredentialCreate, SweepCreate, TargetCreate
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job, JobEvent
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.sshhosts import SshHost, SshHostSet

pytestmark = pytest.mark.integration

LISTENER = (
    "import socket,time\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('0.0.0.0', {port})); s.listen(8); held=[]\n"
    "while True: held.append(s.accept()[0])\n"
)
CLIENT = (
    "import socket,time\n"
    "for _ in range(100):\n"
    "    try: c=socket.create_connection(('{address}', {port}), timeout=2); break\n"
    "    except OSError: time.sleep(0.1)\n"
    "time.sleep(3600)\n"
)


@dataclass
class Estate:
    hosts: SshHostSet
    targets: dict[str, DiscoveryTarget]
    service_port: int


def _kib_used(host: SshHost, path: str) -> int:
    return int(host.run(["du", "-sk", path]).split()[0])


@pytest.fixture
def estate(session: Session, ssh_hosts: SshHostSet, inline_jobs: None) -> Iterator[Estate]:
    h1, h2, *_ = ssh_hosts.hosts
    app = h2.srv / "app"
    app.mkdir(exist_ok=True)
    for i in range(3):
        (app / f"chunk{i}").write_bytes(os.urandom(100 * 1024))
    port = 15000 + os.getpid() % 5000
    listener = ssh_hosts.spawn(h2, [sys.executable, "-c", LISTENER.format(port=port)])
    client = ssh_hosts.spawn(
        h1, [sys.executable, "-c", CLIENT.format(address=h2.address, port=port)]
    )
    credential = service.create_credential(
        session,
        data=CredentialCreate(name="estate-root", private_key=ssh_hosts.client_key.read_text()),
        actor=SYSTEM,
    )
    service.import_known_hosts(session, text=ssh_hosts.known_hosts.read_text(), actor=SYSTEM)
    targets = {}
    for host in ssh_hosts.hosts:
        targets[host.name] = service.create_target(
            session,
            data=TargetCreate(
                address=host.address,
                port=host.port,
                credential_id=credential.id,
                data_dirs=[f"{host.remote_srv}/app"],
                label=host.name,
            ),
            actor=SYSTEM,
            scope=EVERYTHING,
        )
    session.commit()
    # Wait until the client really holds its connection (it is what discovery must see).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if f":{port} " in h1.run(["ss", "-tn", "state", "established"]) + " ":
            break
        time.sleep(0.1)
    yield Estate(ssh_hosts, targets, port)
    for process in (client, listener):
        process.kill()
        process.wait()


def _sweep(session: Session, **options: object) -> Job:
    job = start_sweep(
        session, data=SweepCreate.model_validate(options), actor=SYSTEM, scope=EVERYTHING
    )
    job_id = job.id
    session.commit()  # the inline backend runs it now
    session.expire_all()
    found = session.get(Job, job_id)
    assert found is not None
    return found


def test_sweep_collects_true_facts_and_finds_the_dependency(
    session: Session, estate: Estate
) -> None:
    h1, h2, h3, h4 = estate.hosts.hosts
    # h4 is claimed to carry h3's host key: it must be refused, and the sweep go on.
    service.add_host_key(
        session,
        data=service.KnownHostKeyCreate(
            address=h4.address,
            port=h4.port,
            key_type="ssh-ed25519",
            key=h3.host_key_pub.split()[1],
        ),
        actor=SYSTEM,
    )
    # And a host nobody answers for: unreachable, reported, not fatal.
    gone = service.create_target(
        session,
        data=TargetCreate(
            address=f"10.200.{estate.hosts.subnet}.250" if estate.hosts.subnet else "127.0.0.250",
            port=22 if estate.hosts.subnet else 2,
            credential_id=estate.targets[h1.name].credential_id,
        ),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    session.commit()
    job = _sweep(session, samples=3, interval_s="0.2", timeout_s=3, concurrency=4)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    assert job.result["by_reachability"] == {
        "reachable": 3,
        "host_key_mismatch": 1,
        "unreachable": 1,
    }

    rows = {t.label: t for t in session.scalars(select(DiscoveryTarget))}
    for host in (h1, h2, h3):
        row = rows[host.name]
        assert row.reachability is Reachability.REACHABLE, row.last_error
        facts = row.facts
        assert facts is not None
        assert facts["hostname"] == host.expected_hostname
        assert facts["kernel"].split()[1] == os.uname().release
        assert facts["cpu"]["count"] == os.cpu_count()
        assert facts["utilisation"]["samples"] == 3
        assert 0 <= float(facts["utilisation"]["cpu_p95"]) <= 100
        assert 0 < float(facts["utilisation"]["memory_p95"]) < 100
        ports = {(p["port"], p["process"]) for p in facts["listening"]}
        assert (host.port, "sshd") in ports
        if estate.hosts.mode == "netns":
            assert "/srv" in {fs["mount"] for fs in facts["filesystems"]}
    app_dir = {d["path"]: d["size_kib"] for d in rows[h2.name].facts["data_dirs"]}  # type: ignore[index]
    assert app_dir == {f"{h2.remote_srv}/app": _kib_used(h2, f"{h2.remote_srv}/app")}
    assert app_dir[f"{h2.remote_srv}/app"] >= 300
    assert (estate.service_port, "python3") in {
        (p["port"], p["process"])
        for p in rows[h2.name].facts["listening"]  # type: ignore[index]
    }

    mismatch = rows[h4.name]
    assert mismatch.reachability is Reachability.HOST_KEY_MISMATCH
    assert "refused" in (mismatch.last_error or "")
    assert mismatch.facts is None
    unreachable = session.get(DiscoveryTarget, gone.id)
    assert unreachable is not None
    assert unreachable.reachability is Reachability.UNREACHABLE

    edges = [
        (e.source_id, e.target_id, e.port, e.process)
        for e in session.scalars(select(DependencyEdge))
    ]
    assert edges == [
        (rows[h1.name].id, rows[h2.name].id, estate.service_port, "python3"),
    ]
    messages = [
        e.message for e in session.scalars(select(JobEvent).where(JobEvent.job_id == job.id))
    ]
    assert any("host_key_mismatch" in m for m in messages)
    assert messages[-1].startswith("sweep done")


def test_an_unknown_host_key_is_refused_unless_accept_new(session: Session, estate: Estate) -> None:
    h1 = estate.hosts.hosts[0]
    target = estate.targets[h1.name]
    session.execute(
        service.KnownHostKey.__table__.delete().where(  # type: ignore[attr-defined]
            service.KnownHostKey.address == h1.address
        )
    )
    session.commit()
    job = _sweep(session, target_ids=[target.id], samples=1, timeout_s=5)
    session.refresh(target)
    assert job.status is JobStatus.SUCCEEDED
    assert target.reachability is Reachability.HOST_KEY_UNKNOWN
    assert target.facts is None

    _sweep(session, target_ids=[target.id], samples=1, timeout_s=5, accept_new_host_keys=True)
    session.expire_all()
    again = session.get(DiscoveryTarget, target.id)
    assert again is not None
    assert again.reachability is Reachability.REACHABLE
    known = service.known_keys_for(session, address=h1.address, port=h1.port)
    assert known == [tuple(h1.host_key_pub.split()[:2])]


def test_the_stored_credential_is_sealed(session: Session, estate: Estate) -> None:
    key = estate.hosts.client_key.read_text()
    row = session.scalars(select(SshCredential)).one()
    assert key not in row.sealed_key
    assert "PRIVATE KEY" not in row.sealed_key
    assert (
        row.fingerprint
        == subprocess.run(
            ["ssh-keygen", "-l", "-f", str(estate.hosts.client_key)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[1]
    )

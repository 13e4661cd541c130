"""Migration fixtures: a legacy system on SSH test host 1 moving to host 3, scratch PostgreSQL
databases, runs executed inline."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

from infra.discovery import service as discovery
from infra.discovery.models import DiscoveryTarget
from infra.discovery.schemas import CredentialCreate, TargetCreate
from infra.jobs.runner import InlineBackend, set_backend
from infra.migration.models import LegacySystem
from infra.settings import reset_settings
from tests import factories
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.builders import legacy_system
from tests.infra.migration.trees import odd_tree, tree
from tests.infra.sshhosts import SshHost, SshHostSet

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def manifest(root: Path) -> dict[bytes, dict[str, Any]]:
    """Everything under ``root``, entry by entry (see ``trees.tree``): not only regular files
    but types, modes, owners, times, links, hard-link groups, xattrs and ACLs."""
    return tree(root)


def stat_snapshot(root: Path) -> dict[bytes, tuple[int, int, int]]:
    """Path → (mtime_ns, ctime_ns, mode) of everything under ``root`` (the source must not
    change, not even its metadata)."""
    found = {}
    for name in tree(root):
        st = os.lstat(os.path.join(os.fsencode(root), name) if name else root)
        found[name] = (st.st_mtime_ns, st.st_ctime_ns, st.st_mode)
    return found


@dataclass
class MigrationEnv:
    hosts: SshHostSet
    source: SshHost
    destination: SshHost
    source_target: DiscoveryTarget
    destination_target: DiscoveryTarget
    system: LegacySystem
    source_dir: Path  # on the controller's filesystem
    destination_dir: Path
    remote_source: str  # as the hosts see them
    remote_destination: str
    run_root: Path


def fill(root: Path, *, files: int = 8, size: int = 32 * 1024) -> None:
    (root / "nested" / "deeper").mkdir(parents=True, exist_ok=True)
    for i in range(files):
        where = root / ("nested" if i % 3 else "") / ("deeper" if i % 4 == 0 else "")
        where.mkdir(parents=True, exist_ok=True)
        (where / f"file {i}.dat").write_bytes(os.urandom(size + i))
    (root / "empty.txt").write_bytes(b"")
    (root / "config.ini").write_text("[app]\nname = 社保查询\n")
    # Everything else a file system holds (no large sparse file: these trees are copied
    # slowly on purpose, to be cut mid-copy).
    odd_tree(root, sparse=False)


@pytest.fixture
def migration_env(
    session: Session,
    session_factory: sessionmaker[Session],
    ssh_hosts: SshHostSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[MigrationEnv]:
    source, destination = ssh_hosts.hosts[0], ssh_hosts.hosts[2]
    run_root = tmp_path / "runs"
    monkeypatch.setenv("GOVCLOUD_MIGRATION__RUN_ROOT", str(run_root))
    reset_settings()
    previous = set_backend(InlineBackend(session_factory))
    tag = uuid.uuid4().hex[:6]
    source_dir = source.srv / f"legacy-{tag}"
    destination_dir = destination.srv / f"cloud-{tag}"
    source_dir.mkdir()
    fill(source_dir)
    credential = discovery.create_credential(
        session,
        data=CredentialCreate(name=f"m-{tag}", private_key=ssh_hosts.client_key.read_text()),
        actor=SYSTEM,
    )
    discovery.import_known_hosts(session, text=ssh_hosts.known_hosts.read_text(), actor=SYSTEM)
    targets = [
        discovery.create_target(
            session,
            data=TargetCreate(
                address=h.address, port=h.port, credential_id=credential.id, label=h.name
            ),
            actor=SYSTEM,
            scope=EVERYTHING,
        )
        for h in (source, destination)
    ]
    dept = factories.department(session)
    system = legacy_system(session, dept, servers=[targets[0].id])
    session.commit()
    yield MigrationEnv(
        hosts=ssh_hosts,
        source=source,
        destination=destination,
        source_target=targets[0],
        destination_target=targets[1],
        system=system,
        source_dir=source_dir,
        destination_dir=destination_dir,
        remote_source=f"{source.remote_srv}/{source_dir.name}",
        remote_destination=f"{destination.remote_srv}/{destination_dir.name}",
        run_root=run_root,
    )
    set_backend(previous)
    for host in ssh_hosts.hosts:
        host.restore_link()
    shutil.rmtree(source_dir, ignore_errors=True)
    shutil.rmtree(destination_dir, ignore_errors=True)
    reset_settings()


@dataclass
class ScratchDatabases:
    source_dsn: str
    destination_dsn: str
    rows: dict[str, int]


def _pg_ready() -> str | None:
    if shutil.which("pg_dump") is None or shutil.which("psql") is None:
        return "the PostgreSQL client tools (pg_dump, psql) are not installed"
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
    except psycopg.OperationalError as exc:
        return f"no PostgreSQL on 127.0.0.1:5432 ({exc})"
    return None


@pytest.fixture
def scratch_databases() -> Iterator[ScratchDatabases]:
    """A source database with three tables of known sizes and an empty destination one."""
    missing = _pg_ready()
    if missing:
        pytest.skip(missing)
    tag = uuid.uuid4().hex[:10]
    names = [f"gm_src_{tag}", f"gm_dst_{tag}"]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    rows = {"public.people": 1500, "public.claims": 4321, "ledger.entries": 777}
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={names[0]}") as conn:
        conn.execute("CREATE SCHEMA ledger")
        conn.execute("CREATE TABLE people (id int primary key, name text)")
        conn.execute("CREATE TABLE claims (id int primary key, person int, amount numeric(12,2))")
        conn.execute("CREATE TABLE ledger.entries (id bigserial primary key, note text)")
        conn.execute("INSERT INTO people SELECT g, '居民' || g FROM generate_series(1, 1500) g")
        conn.execute(
            "INSERT INTO claims SELECT g, g % 1500, g * 1.25 FROM generate_series(1, 4321) g"
        )
        conn.execute("INSERT INTO ledger.entries (note) SELECT 'n' FROM generate_series(1, 777)")
    yield ScratchDatabases(
        source_dsn=f"host=127.0.0.1 port=5432 user=postgres dbname={names[0]}",
        destination_dsn=f"host=127.0.0.1 port=5432 user=postgres dbname={names[1]}",
        rows=rows,
    )
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- nothing of a run left behind --------------------------------------------------------


def _key_marker(env: MigrationEnv) -> bytes:
    """The body of the hosts' private key (its first line is the same in every ed25519 key;
    the whole body is in nothing but a copy of this key)."""
    lines = env.hosts.client_key.read_bytes().splitlines()
    return b"\n".join(lines[1:-1])


def _remote_dirs(session: Session, env: MigrationEnv) -> list[str]:
    from sqlalchemy import select

    from infra.migration.models import MigrationRun

    session.expire_all()
    plans = session.scalars(
        select(MigrationRun.plan).where(MigrationRun.system_id == env.system.id)
    )
    return [str(p["remote_run_dir"]) for p in plans if p.get("remote_run_dir")]


def secrets_left(session: Session, env: MigrationEnv) -> list[str]:
    """Every copy of the private key where a run puts one — the controller's run directories
    (decrypted keys), the hosts' run directories (the transfer key on the source, under
    /var/tmp: these hosts share the machine's /var/tmp), the hosts' /srv, Ansible's control
    directories — and every host run directory still there."""
    marker = _key_marker(env)
    places = [env.run_root, *(h.srv for h in env.hosts.hosts)]
    places += [Path(p) for p in glob.glob("/var/tmp/govcloud-run-*")]
    places += [Path(p) for p in glob.glob("/tmp/gc-cp-*")]
    found = [d for d in _remote_dirs(session, env) if os.path.lexists(d)]
    for place in places:
        for top, _dirs, files in os.walk(place):
            for name in files:
                path = os.path.join(top, name)
                with contextlib.suppress(OSError):
                    regular = stat.S_ISREG(os.lstat(path).st_mode)
                    if regular and marker in Path(path).read_bytes():
                        found.append(path)
    return found


def processes_of_runs(session: Session, env: MigrationEnv) -> list[str]:
    """Live processes naming a run's directory, on the controller or the hosts (which share
    this machine's process table)."""
    markers = [str(env.run_root), *_remote_dirs(session, env)]
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info.get("cmdline") or [])
        alive = proc.pid != os.getpid() and proc.info.get("status") != psutil.STATUS_ZOMBIE
        if alive and any(m in cmdline for m in markers):
            found.append(f"{proc.pid}: {cmdline[:200]}")
    return found


def assert_nothing_left(session: Session, env: MigrationEnv) -> None:
    assert secrets_left(session, env) == []
    assert processes_of_runs(session, env) == []

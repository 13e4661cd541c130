"""Signed checkpoints: a tail re-hashed by someone with database access, a forged or a missing
checkpoint are all named by `verify`; the key lives outside the database."""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import checkpoints, signing
from infra.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from infra.audit.scheduled import checkpoint_quiet_chain
from infra.audit.service import record
from infra.database import session_scope
from infra.jobs.runner import JobContext
from infra.schedules.types import ScheduleContext
from infra.settings import reset_settings
from tests.cli import run_cli
from tests.infra.audit.helpers import ACTOR, append, audit_settings, raw, rehash_from, verify


def _numbers(session: Session) -> list[tuple[int, int]]:
    session.rollback()
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.number))
    return [(c.number, c.seq) for c in rows]


def test_a_checkpoint_is_signed_at_every_multiple_and_at_the_first_append(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    with audit_settings(checkpoint_every=3, checkpoint_seconds=3600):
        append(session_factory, 7)
        assert _numbers(session) == [(1, 1), (2, 3), (3, 6)]
        report = verify(session)
    assert (report.ok, report.checked, report.checkpoints) == (True, 7, 3), report
    stored = checkpoints.stored(session)
    key = signing.public_key()
    assert all(c.key_id == signing.key_id(key) for c in stored)


def test_a_checkpoint_is_signed_when_the_last_is_older_than_the_period(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    with audit_settings(checkpoint_every=1000, checkpoint_seconds=3600):
        append(session_factory, 2)
        assert _numbers(session) == [(1, 1)]
        past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        with session_scope(session_factory) as s:  # the head row is not guarded
            s.get_one(AuditHead, 1).checkpoint_at = past
        append(session_factory, 1)
        assert _numbers(session) == [(1, 1), (2, 3)]


@pytest.mark.parametrize(
    ("every", "altered", "named"),
    [(1, 3, "entry 3 was altered"), (4, 6, "one of entries 5–8 was altered")],
    ids=["checkpoint per entry", "checkpoint per 4"],
)
def test_a_rehashed_tail_is_caught_by_the_checkpoints(
    session_factory: sessionmaker[Session], session: Session, every: int, altered: int, named: str
) -> None:
    """Altering an entry and re-hashing the tail and the head leaves a chain that walks
    clean; only the signed checkpoints show it, and name where."""
    with audit_settings(checkpoint_every=every, checkpoint_seconds=3600):
        append(session_factory, 10)
        rehash_from(session_factory, altered, actor="mallory")
        report = verify(session)
    assert not report.ok
    assert report.reason is not None
    assert report.reason.startswith(named), report
    assert report.first_broken_seq == (3 if every == 1 else 5)
    assert "chain re-hashed" in report.reason


def test_a_forged_checkpoint_is_reported(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """A checkpoint re-signed with another key (the attacker's) does not verify."""
    with audit_settings(checkpoint_every=2, checkpoint_seconds=3600):
        append(session_factory, 5)
        rehash_from(session_factory, 2, action="delete")
        session.rollback()
        forger = Ed25519PrivateKey.generate()
        for cp in checkpoints.stored(session):
            chain_hash = session.get_one(AuditEntry, cp.seq).hash
            body = checkpoints.payload(cp.number, cp.seq, chain_hash, cp.at)
            raw(
                session_factory,
                "UPDATE audit_checkpoints SET hash = :h, signature = :s WHERE number = :n",
                h=chain_hash,
                s=signing.sign(forger, body),
                n=cp.number,
            )
        report = verify(session)
    assert not report.ok
    assert any("checkpoint 2 is forged" in p for p in report.problems), report.problems


def test_missing_checkpoints_are_reported(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    with audit_settings(checkpoint_every=2, checkpoint_seconds=3600):
        append(session_factory, 6)  # checkpoints 1@1, 2@2, 3@4, 4@6
        raw(session_factory, "DELETE FROM audit_checkpoints WHERE number = 2")
        middle = verify(session)
        assert not middle.ok
        assert middle.reason == "checkpoint 2 is missing"
        raw(session_factory, "DELETE FROM audit_checkpoints WHERE number = 4")
        tail = verify(session)
    assert not tail.ok
    assert any("none covers entry 6" in p for p in tail.problems), tail.problems


def test_the_export_file_keeps_what_the_table_loses(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    export = tmp_path / "checkpoints.jsonl"
    with audit_settings(checkpoint_every=2, checkpoint_seconds=3600, checkpoint_export=export):
        append(session_factory, 4)
        lines = [json.loads(line) for line in export.read_text().splitlines()]
        assert [(c["number"], c["seq"]) for c in lines] == [(1, 1), (2, 2), (3, 4)]
        assert verify(session).ok
        raw(session_factory, "DELETE FROM audit_checkpoints WHERE number = 3")
        report = verify(session)
    assert not report.ok
    assert "checkpoint 3 is missing from the database (the export file has it)" in report.problems


def test_a_rolled_back_transaction_signs_nothing(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    export = tmp_path / "checkpoints.jsonl"
    with audit_settings(checkpoint_every=1, checkpoint_export=export):

        def failing_change() -> None:
            with session_scope(session_factory) as tx:
                record(tx, actor=ACTOR, action="create", entity="thing", entity_id=1)
                raise RuntimeError("the change failed")

        with pytest.raises(RuntimeError):
            failing_change()
        assert _numbers(session) == []
        assert not export.exists()


def test_outside_demo_mode_a_missing_key_is_a_clear_error(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.key"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOVCLOUD_DEMO", "0")
        mp.setenv("GOVCLOUD_SECRET_KEY", "x" * 40)
        with (
            audit_settings(key_path=missing),
            pytest.raises(signing.AuditKeyMissing, match="govcloud audit keygen"),
        ):
            append(session_factory, 1)
    reset_settings()


def test_demo_mode_generates_a_private_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.key"
    with audit_settings(key_path=path):
        key = signing.signing_key()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert signing.key_id(signing.public_key()) == signing.key_id(key.public_key())


def test_cli_verify_names_the_rehashed_entry_and_keygen_refuses_to_overwrite(
    database_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with audit_settings(checkpoint_every=1):
        append(session_factory, 4)
        intact = run_cli(database_url, "audit", "verify")
        assert intact.exit_code == 0, intact.output
        assert "4 entries verified, 4 signed checkpoints" in intact.output
        rehash_from(session_factory, 2, actor="mallory")
        broken = run_cli(database_url, "audit", "verify")
    assert broken.exit_code == 1, broken.output
    said = " ".join(broken.output.split())
    assert "audit chain broken at entry 2: entry 2 was altered and the chain re-hashed" in said
    assert "also: 2 later checkpoints do not match the chain either" in said


def test_cli_keygen_writes_a_key_once_and_public_key_prints_it(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "audit.key"
    env = {"GOVCLOUD_AUDIT__KEY_PATH": str(path)}
    made = run_cli(database_url, "audit", "keygen", env=env)
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "BEGIN PUBLIC KEY" in made.output
    again = run_cli(database_url, "audit", "keygen", env=env)
    assert again.exit_code == 1
    assert "refusing to replace the audit signing key" in " ".join(again.output.split())
    shown = run_cli(database_url, "audit", "public-key", env=env)
    assert shown.output.strip() in made.output


class _Job:
    """The two things the schedule handler uses of its JobContext."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.lines: list[str] = []

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.factory) as s:
            yield s

    def log(self, message: str, **_: object) -> None:
        self.lines.append(message)


def test_a_quiet_chain_gets_its_newest_entries_checkpointed(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    """Without the schedule the last two entries sit past the last checkpoint, so a re-hash of
    them would go unseen; the schedule (once the last checkpoint is stale) covers them."""
    export = tmp_path / "checkpoints.jsonl"
    with audit_settings(checkpoint_every=1000, checkpoint_seconds=3600, checkpoint_export=export):
        append(session_factory, 3)  # checkpoint 1 at entry 1 only
        job = _Job(session_factory)
        now = dt.datetime.now(dt.UTC)
        context = ScheduleContext(cast(JobContext, job), now, now)
        assert checkpoint_quiet_chain(context) == {"signed": None}  # the last is fresh
        with session_scope(session_factory) as s:
            s.get_one(AuditHead, 1).checkpoint_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        assert checkpoint_quiet_chain(context) == {"signed": 2, "seq": 3}
        assert job.lines == ["signed checkpoint 2 at entry 3"]
        assert checkpoint_quiet_chain(context) == {"signed": None}  # nothing new since
        assert [json.loads(x)["seq"] for x in export.read_text().splitlines()] == [1, 3]
        rehash_from(session_factory, 3, actor="mallory")
        report = verify(session)
    assert not report.ok
    assert report.reason is not None
    assert report.reason.startswith("one of entries 2–3 was altered and the chain re-hashed")


def test_cli_checkpoint_signs_the_head_when_it_moved(
    database_url: str, session_factory: sessionmaker[Session], session: Session
) -> None:
    with audit_settings(checkpoint_every=1000, checkpoint_seconds=3600):
        append(session_factory, 2)
        signed = run_cli(database_url, "audit", "checkpoint")
        assert signed.exit_code == 0, signed.output
        assert "signed checkpoint 2 at entry 2" in signed.output
        again = run_cli(database_url, "audit", "checkpoint")
        assert "no new entries since the last checkpoint" in again.output
        assert _numbers(session) == [(1, 1), (2, 2)]

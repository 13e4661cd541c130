"""The hash-chained audit log: appends verify; altered, removed or forked entries are named."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import guard
from infra.audit.actor import Actor
from infra.audit.models import AuditEntry, AuditHead
from infra.audit.service import (
    GENESIS_HASH,
    ChainReport,
    count_entries,
    entry_hash,
    record,
    verify_chain,
)
from infra.database import session_scope
from tests.cli import run_cli

ACTOR = Actor(username="alice", user_id=7)


def _append(factory: sessionmaker[Session], n: int, *, entity: str = "thing") -> None:
    for i in range(n):
        with session_scope(factory) as session:
            record(
                session,
                actor=ACTOR,
                action="update",
                entity=entity,
                entity_id=i,
                before={"limit": i, "name": "数据"},
                after={"limit": i + 1, "name": "数据"},
                department_id=3,
            )


def _verify(session: Session) -> ChainReport:
    session.rollback()  # end the test session's snapshot: see what the writers committed
    return verify_chain(session)


def _raw(factory: sessionmaker[Session], sql: str, **params: object) -> None:
    """Tamper as someone with DDL rights would: lift the append-only guard, then write."""
    with session_scope(factory) as session, guard.suspended(session.connection()):
        session.execute(text(sql), params)


def test_appends_chain_and_verify(session_factory: sessionmaker[Session], session: Session) -> None:
    assert _verify(session).ok  # an empty log is intact
    _append(session_factory, 5)
    report = _verify(session)
    assert (report.ok, report.checked, report.first_broken_seq) == (True, 5, None)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    for prev, entry in itertools.pairwise(entries):
        assert entry.prev_hash == prev.hash
        assert entry.hash == entry_hash(prev.hash, entry)
    assert entries[2].after == {"limit": 3, "name": "数据"}
    head = session.get_one(AuditHead, 1)
    assert (head.seq, head.hash) == (5, entries[-1].hash)


def test_a_rolled_back_change_leaves_no_entry(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    _append(session_factory, 1)

    def failing_change() -> None:
        with session_scope(session_factory) as tx:
            record(tx, actor=ACTOR, action="create", entity="thing", entity_id=99)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    session.rollback()
    assert count_entries(session) == 1
    _append(session_factory, 1)
    assert _verify(session).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "mallory"), ("entity_id", "42"), ("action", "delete"), ("department_id", 4)],
)
def test_altered_content_is_named(
    session_factory: sessionmaker[Session], session: Session, column: str, value: object
) -> None:
    _append(session_factory, 4)
    _raw(session_factory, f"UPDATE audit_entries SET {column} = :v WHERE seq = 3", v=value)
    report = _verify(session)
    assert not report.ok
    assert report.first_broken_seq == 3
    assert report.reason == "entry 3 was altered: its hash does not match"
    assert report.checked == 2


def test_altered_json_is_named(session_factory: sessionmaker[Session], session: Session) -> None:
    _append(session_factory, 3)
    cast = "CAST(:v AS JSON)" if session.get_bind().dialect.name == "postgresql" else ":v"
    _raw(
        session_factory,
        f"UPDATE audit_entries SET after = {cast} WHERE seq = 2",
        v='{"limit": 1000, "name": "数据"}',
    )
    report = _verify(session)
    assert (report.ok, report.first_broken_seq) == (False, 2)


def test_a_rehashed_forgery_breaks_the_next_link(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """Someone who alters an entry and recomputes its hash still breaks its successor."""
    _append(session_factory, 4)
    with session_scope(session_factory) as tx, guard.suspended(tx.connection()):
        entry = tx.get_one(AuditEntry, 2)
        entry.actor = "mallory"
        entry.hash = entry_hash(entry.prev_hash, entry)
        tx.flush()
    report = _verify(session)
    assert (report.ok, report.first_broken_seq) == (False, 3)
    assert report.reason == "entry 3 does not follow entry 2"


def test_a_deleted_middle_entry_is_named(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    _append(session_factory, 5)
    _raw(session_factory, "DELETE FROM audit_entries WHERE seq = 3")
    report = _verify(session)
    assert (report.ok, report.first_broken_seq) == (False, 3)
    assert report.reason == "entry 3 is missing"


def test_deleted_last_entries_are_named(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    _append(session_factory, 5)
    _raw(session_factory, "DELETE FROM audit_entries WHERE seq >= 4")
    report = _verify(session)
    assert (report.ok, report.first_broken_seq) == (False, 4)
    assert report.reason == "entries after 3 are missing (head is 5)"


def test_a_deleted_head_is_noticed(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    _append(session_factory, 3)
    _raw(session_factory, "DELETE FROM audit_head")
    _raw(session_factory, "DELETE FROM audit_entries WHERE seq = 3")
    report = _verify(session)
    assert not report.ok
    assert report.reason == "the chain's head record is missing after 2"


def test_a_session_reused_across_transactions_appends_after_other_writers(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """A long-lived session (a job, the CLI, a test) must read the head afresh each time,
    not the copy it remembers from its previous transaction."""
    with session_factory() as long_lived:
        record(long_lived, actor=ACTOR, action="create", entity="thing", entity_id=1)
        long_lived.commit()
        _append(session_factory, 2)  # someone else appends meanwhile
        record(long_lived, actor=ACTOR, action="create", entity="thing", entity_id=2)
        long_lived.commit()
    report = _verify(session)
    assert (report.ok, report.checked) == (True, 4), report


@pytest.mark.parametrize("existing", [0, 1], ids=["empty log", "after one entry"])
def test_concurrent_appends_never_fork_the_chain(
    session_factory: sessionmaker[Session], session: Session, existing: int
) -> None:
    """Writers in many threads queue on the chain's head, from the very first entry on."""
    _append(session_factory, existing)
    threads, per_thread = 6, 8
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            start.wait()
            _append(session_factory, per_thread, entity=f"writer-{n}")
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not errors, errors
    total = existing + threads * per_thread
    report = _verify(session)
    assert (report.ok, report.checked) == (True, total), report
    seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == list(range(1, total + 1))
    prev_hashes = session.scalars(select(AuditEntry.prev_hash)).all()
    assert len(set(prev_hashes)) == total  # no two entries claim the same predecessor


# -- through the command line -----------------------------------------------------------------


def test_cli_verify_passes_then_names_the_tampered_entry(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    _append(session_factory, 4)
    intact = run_cli(database_url, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "audit chain intact: 4 entries verified" in intact.output

    _raw(session_factory, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2")
    broken = run_cli(database_url, "audit", "verify")
    assert broken.exit_code == 1, broken.output
    assert "audit chain broken at entry 2: entry 2 was altered" in broken.output


def test_cli_verify_names_a_deleted_entry(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    _append(session_factory, 4)
    _raw(session_factory, "DELETE FROM audit_entries WHERE seq = 2")
    broken = run_cli(database_url, "audit", "verify")
    assert broken.exit_code == 1
    assert "audit chain broken at entry 2: entry 2 is missing" in broken.output

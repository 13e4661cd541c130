"""Entries wait in the session and join the chain at commit: the head is not locked by an
audited write, rolled-back work (or savepoint) leaves nothing, and writers never fork it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.models import AuditEntry
from infra.audit.service import count_entries, pending_entries, record
from infra.database import session_scope
from tests.infra.audit.helpers import ACTOR, append, verify


def _record(session: Session, entity_id: object, entity: str = "thing") -> AuditEntry:
    return record(session, actor=ACTOR, action="create", entity=entity, entity_id=entity_id)


def test_an_entry_joins_the_chain_at_commit(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    with session_factory() as tx:
        entry = _record(tx, 1)
        assert pending_entries(tx) == [entry]
        assert entry.seq is None
        tx.commit()
        assert pending_entries(tx) == []
    assert entry.seq == 1
    assert entry.hash
    assert count_entries(session) == 1


def test_an_open_audited_transaction_does_not_hold_the_head(
    session_factory: sessionmaker[Session], session: Session, backend_name: str
) -> None:
    """PostgreSQL: a writer that has recorded an entry and is still working does not stop
    another writer from committing its own (before, the first audited write locked the head
    until commit).  SQLite admits one writer at a time anyway (BEGIN IMMEDIATE)."""
    if backend_name != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    with session_factory() as slow:
        _record(slow, "slow")
        slow.flush()
        done = threading.Event()

        def other() -> None:
            append(session_factory, 1, entity="fast")
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert done.wait(10), "the other writer waited for an uncommitted audited transaction"
        thread.join()
        slow.commit()
    order = session.scalars(select(AuditEntry.entity).order_by(AuditEntry.seq)).all()
    assert order == ["fast", "thing"]
    assert verify(session).ok


def test_a_rolled_back_transaction_leaves_nothing(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    append(session_factory, 1)
    with session_factory() as tx:
        _record(tx, 2)
        tx.rollback()
        assert pending_entries(tx) == []
        tx.commit()
    with session_factory() as tx:
        _record(tx, 3)  # closed without commit
    session.rollback()
    assert count_entries(session) == 1
    append(session_factory, 1)
    assert verify(session).checked == 2


def test_a_rolled_back_savepoint_drops_its_entries_only(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    with session_scope(session_factory) as tx:
        _record(tx, "outer")
        with tx.begin_nested():
            _record(tx, "kept")
        savepoint = tx.begin_nested()
        _record(tx, "dropped")
        with tx.begin_nested():
            _record(tx, "dropped too")
        savepoint.rollback()
        _record(tx, "after")
    session.rollback()
    ids = session.scalars(select(AuditEntry.entity_id).order_by(AuditEntry.seq)).all()
    assert ids == ["outer", "kept", "after"]
    assert verify(session).ok


def test_commit_with_a_savepoint_open_chains_each_entry_once(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    with session_factory() as tx:
        _record(tx, 1)
        tx.begin_nested()
        _record(tx, 2)
        tx.commit()
    session.rollback()
    assert session.scalars(select(AuditEntry.entity_id).order_by(AuditEntry.seq)).all() == [
        "1",
        "2",
    ]


def test_concurrent_multi_entry_transactions_never_fork_and_stay_contiguous(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """Several sessions in threads, each transaction recording 3 entries with work between
    them: every entry chained once, in one unbroken chain, each transaction's entries side by
    side (they are appended together under the head lock)."""
    threads, per_thread, errors = 6, 5, []
    start = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            start.wait()
            for t in range(per_thread):
                with session_scope(session_factory) as tx:
                    for k in range(3):
                        _record(tx, f"{n}.{t}.{k}", entity=f"w{n}")
                        time.sleep(0.001)
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not errors, errors
    total = threads * per_thread * 3
    report = verify(session)
    assert (report.ok, report.checked) == (True, total), report
    ids = session.scalars(select(AuditEntry.entity_id).order_by(AuditEntry.seq)).all()
    for group in (ids[i : i + 3] for i in range(0, total, 3)):
        assert len({i.rsplit(".", 1)[0] for i in group}) == 1, group
        assert [i.rsplit(".", 1)[1] for i in group] == ["0", "1", "2"]

"""Record audit entries; they join the hash chain when their transaction commits.

``record`` only buffers the entry in the session.  A ``before_commit`` hook then flushes the
transaction's other changes, locks the single ``audit_head`` row, numbers and hashes the
buffered entries after the head, inserts them and moves the head — so the head lock is held
for that final append and the commit, not from a transaction's first audited write.  Writers
still take turns on the head, so the chain never forks; entries recorded in a transaction (or
a savepoint) that rolls back are dropped with it.  Every so often the append also signs a
checkpoint (see :mod:`infra.audit.checkpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from infra.audit import chain_pg, checkpoints
from infra.audit.actor import Actor
from infra.audit.hashing import GENESIS_HASH, canonical_content, entry_hash
from infra.audit.models import AuditEntry, AuditHead
from infra.audit.verify import ChainReport, count_entries, iter_entries, verify_chain
from infra.database import Base, utcnow
from infra.serialization import json_safe
from infra.settings import get_settings

__all__ = [
    "GENESIS_HASH",
    "HEAD_ID",
    "ChainReport",
    "canonical_content",
    "count_entries",
    "entry_hash",
    "iter_entries",
    "json_safe",
    "pending_entries",
    "record",
    "sign_now",
    "snapshot",
    "verify_chain",
]

HEAD_ID = 1
_PENDING = "govcloud.audit.pending"
_SIGNED = "govcloud.audit.signed"
_DURABLE = "govcloud.audit.durable"


SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def snapshot(obj: Base) -> dict[str, Any]:
    """The row's column values, JSON-safe, with secrets left out."""
    mapper = inspect(obj).mapper
    return {
        attr.key: json_safe(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


@dataclass
class _Buffered:
    entry: AuditEntry
    # The innermost savepoint open when the entry was recorded (None: the transaction itself).
    owner: SessionTransaction | None = field(default=None)

    def inside(self, savepoint: SessionTransaction) -> bool:
        node = self.owner
        while node is not None:
            if node is savepoint:
                return True
            node = node.parent
        return False


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    department_id: int | None = None,
) -> AuditEntry:
    """Record one entry in the caller's transaction; it is chained when the transaction commits.

    The entry returned has its ``seq`` and ``hash`` once the commit has appended it.  Its
    time is when the change was made (``at`` may therefore step back by the length of a
    transaction between neighbours; the order that counts is ``seq``).
    """
    entry = AuditEntry(
        # Microseconds survive every backend's timestamp type, so the hash is reproducible.
        at=utcnow(),
        actor_id=actor.user_id,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        department_id=department_id,
        before=json_safe(before) if before is not None else None,
        after=json_safe(after) if after is not None else None,
    )
    if not session.in_transaction():
        session.begin()  # so a rollback before any statement still drops the entry
    buffered = session.info.setdefault(_PENDING, [])
    buffered.append(_Buffered(entry, session.get_nested_transaction()))
    return entry


def pending_entries(session: Session) -> list[AuditEntry]:
    """Entries recorded in the session's open transaction, not yet chained (oldest first)."""
    return [b.entry for b in session.info.get(_PENDING, [])]


# -- the final append ------------------------------------------------------------------------

_HEAD = cast(Table, AuditHead.__table__)
_ENTRIES = cast(Table, AuditEntry.__table__)


def _create_head(session: Session) -> None:
    """The head row, made by the first append ever.  Two first appends racing on PostgreSQL
    both try; ``ON CONFLICT DO NOTHING`` makes the second wait for the first, then use it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(_HEAD)
        .values(id=HEAD_ID, seq=0, hash=GENESIS_HASH, checkpoint_number=0, checkpoint_seq=0)
        .on_conflict_do_nothing(index_elements=["id"])
    )


def _append_here(session: Session, entries: list[AuditEntry]) -> Any:
    """The portable append (SQLite): lock and read the head, hash in Python, insert, move."""
    query = select(_HEAD).where(_HEAD.c.id == HEAD_ID).with_for_update()
    head = session.execute(query).one_or_none()
    if head is None:
        _create_head(session)
        head = session.execute(query).one()
    seq, prev = head.seq, head.hash
    rows = []
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(prev, entry)
        rows.append({c.key: getattr(entry, c.key) for c in _ENTRIES.columns})
    session.execute(_ENTRIES.insert(), rows)
    session.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=seq, hash=prev))
    return head


def append(session: Session, entries: list[AuditEntry]) -> None:
    """Chain ``entries`` after the head in the session's transaction (the hook's final step)."""
    if not entries:
        return
    if session.get_bind().dialect.name == "postgresql":
        head = chain_pg.append(session, entries)
        if head is None:
            _create_head(session)
            head = chain_pg.append(session, entries)
        # The statement made this commit asynchronous: wait for the flush after it.
        session.info[_DURABLE] = session.connection().connection.dbapi_connection
    else:
        head = _append_here(session, entries)
    last = entries[-1]
    signed = checkpoints.sign_if_due(session, head, seq=last.seq, hash_=last.hash, now=utcnow())
    if signed is not None:
        session.execute(
            update(_HEAD)
            .where(_HEAD.c.id == HEAD_ID)
            .values(
                checkpoint_number=signed.number,
                checkpoint_seq=signed.seq,
                checkpoint_at=signed.at,
            )
        )
        session.info.setdefault(_SIGNED, []).append(signed)


def sign_now(session: Session, *, only_if_stale: bool = False) -> checkpoints.Signed | None:
    """Sign a checkpoint of the head now if it moved since the last one (with
    ``only_if_stale``: and the last is older than ``checkpoint_seconds``) — so a quiet chain's
    newest entries are covered too.  Exported when the caller commits."""
    head = session.execute(
        select(_HEAD).where(_HEAD.c.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None or head.seq <= head.checkpoint_seq:
        return None
    now = utcnow()
    if only_if_stale and head.checkpoint_at is not None:
        age = (now - head.checkpoint_at).total_seconds()
        if age < get_settings().audit.checkpoint_seconds:
            return None
    signed = checkpoints.store(
        session, checkpoints.make(head.checkpoint_number + 1, head.seq, head.hash, now)
    )
    session.execute(
        update(_HEAD)
        .where(_HEAD.c.id == HEAD_ID)
        .values(checkpoint_number=signed.number, checkpoint_seq=signed.seq, checkpoint_at=now)
    )
    session.info.setdefault(_SIGNED, []).append(signed)
    return signed


def _durable(dbapi_connection: Any) -> None:
    """Return only once the transaction just committed on this connection is on disk.

    The audited commit ran with ``synchronous_commit = off`` so the head lock was released as
    soon as its commit record was written, not after the fsync (an fsync under the lock
    would queue every audited writer behind the disk).  One more statement in autocommit
    that writes WAL (a transactional logical message) commits synchronously and so flushes
    the WAL up to itself — and so our commit, which precedes it; concurrent writers' flushes
    share one fsync (group commit).  A crash before that flush loses the transaction (and
    every later one, WAL being sequential), so the chain stays whole, and the caller gets an
    error, never a false success.
    """
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("SELECT pg_logical_emit_message(true, 'govcloud.audit', '')")
    finally:
        dbapi_connection.autocommit = False


@event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is being released: its entries wait for the real commit
    buffered = session.info.pop(_PENDING, None)
    if not buffered:
        return
    session.flush()  # the transaction's own writes first: the head is locked last
    append(session, [b.entry for b in buffered])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    connection = session.info.pop(_DURABLE, None)
    if connection is not None:  # committed, the connection not yet back in the pool
        _durable(connection)
    signed = session.info.pop(_SIGNED, None)
    if signed:
        checkpoints.export(signed)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction is over, however it ended
        session.info.pop(_PENDING, None)
        session.info.pop(_SIGNED, None)
        session.info.pop(_DURABLE, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous: SessionTransaction) -> None:
    session.info.pop(_SIGNED, None)
    buffered = session.info.get(_PENDING)
    if not buffered:
        return
    if previous.nested:
        session.info[_PENDING] = [b for b in buffered if not b.inside(previous)]
    else:
        session.info.pop(_PENDING, None)

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

import datetime as dt
import decimal
import enum
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from infra.audit import checkpoints
from infra.audit.actor import Actor
from infra.audit.hashing import GENESIS_HASH, canonical_content, entry_hash
from infra.audit.models import AuditEntry, AuditHead
from infra.audit.verify import ChainReport, count_entries, iter_entries, verify_chain
from infra.database import Base, utcnow

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
    "snapshot",
    "verify_chain",
]

HEAD_ID = 1
_PENDING = "govcloud.audit.pending"
_SIGNED = "govcloud.audit.signed"


def json_safe(value: Any) -> Any:
    """A JSON-native copy of ``value``: Decimals and enums as strings, times as UTC ISO-8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, float):
        raise TypeError("floats are not stored in the audit log: use Decimal or int")
    return value


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


def _locked_head(session: Session) -> Any:
    """The head row, locked for the rest of the transaction (created by the first append).

    Two first appends racing on PostgreSQL both try to create the row; ``ON CONFLICT DO
    NOTHING`` makes the second wait for the first and then lock its row.
    """
    query = select(_HEAD).where(_HEAD.c.id == HEAD_ID).with_for_update()
    head = session.execute(query).one_or_none()
    if head is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(_HEAD)
            .values(id=HEAD_ID, seq=0, hash=GENESIS_HASH, checkpoint_number=0, checkpoint_seq=0)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.execute(query).one()
    return head


def append(session: Session, entries: list[AuditEntry]) -> None:
    """Chain ``entries`` after the head in the session's transaction (the hook's final step)."""
    if not entries:
        return
    head = _locked_head(session)
    seq, prev = head.seq, head.hash
    rows = []
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(prev, entry)
        rows.append({c.key: getattr(entry, c.key) for c in _ENTRIES.columns})
    session.execute(_ENTRIES.insert(), rows)
    moved: dict[str, Any] = {"seq": seq, "hash": prev}
    signed = checkpoints.sign_if_due(session, head, seq=seq, hash_=prev, now=utcnow())
    if signed is not None:
        moved |= {
            "checkpoint_number": signed.number,
            "checkpoint_seq": signed.seq,
            "checkpoint_at": signed.at,
        }
        session.info.setdefault(_SIGNED, []).append(signed)
    session.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(moved))


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
def _export_after_commit(session: Session) -> None:
    signed = session.info.pop(_SIGNED, None)
    if signed:
        checkpoints.export(signed)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction is over, however it ended
        session.info.pop(_PENDING, None)
        session.info.pop(_SIGNED, None)


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

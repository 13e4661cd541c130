"""Append to and verify the audit chain.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON
(sorted keys, no whitespace, UTC timestamps), so changing, removing or reordering any entry
breaks every hash after it.  Appends lock the single ``audit_head`` row, so concurrent writers
queue instead of forking the chain; the entry commits in the same transaction as the change it
records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.models import AuditEntry, AuditHead
from infra.database import Base, utcnow
from infra.serialization import json_safe

GENESIS_HASH = "0" * 64
HEAD_ID = 1


SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def snapshot(obj: Base) -> dict[str, Any]:
    """The row's column values, JSON-safe, with secrets left out."""
    mapper = inspect(obj).mapper
    return {
        attr.key: json_safe(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


def canonical_content(entry: AuditEntry) -> str:
    content = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "department_id": entry.department_id,
        "before": entry.before,
        "after": entry.after,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_content(entry).encode("utf-8"))
    return digest.hexdigest()


def _locked_head(session: Session) -> AuditHead:
    """The chain's head row, locked for this transaction (created on the very first append).

    Read afresh (``populate_existing``): a session reused across transactions must not trust
    the copy it remembers.  Two first appends racing on PostgreSQL both try to create the row;
    ``ON CONFLICT DO NOTHING`` makes the second wait for the first and then lock its row.
    """
    query = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = session.scalars(query).one_or_none()
    if head is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(AuditHead)
            .values(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.scalars(query).one()
    return head


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
    """Append one entry to the chain inside the caller's transaction."""
    head = _locked_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
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
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(head.hash, entry)
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def iter_entries(session: Session, *, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain from the start; name the first entry that does not hold."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for entry in iter_entries(session):
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                entry.seq,
                f"entry {entry.seq} does not follow entry {entry.seq - 1}",
            )
        if entry_hash(prev_hash, entry) != entry.hash:
            return ChainReport(
                False, checked, entry.seq, f"entry {entry.seq} was altered: its hash does not match"
            )
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, HEAD_ID)
    if head is None and checked:
        return ChainReport(
            False, checked, checked + 1, f"the chain's head record is missing after {checked}"
        )
    if head is not None and (head.seq, head.hash) != (checked, prev_hash):
        return ChainReport(
            False, checked, checked + 1, f"entries after {checked} are missing (head is {head.seq})"
        )
    return ChainReport(True, checked)


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0

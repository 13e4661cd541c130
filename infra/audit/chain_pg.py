"""PostgreSQL's final append in one statement: lock the head, number and hash the entries,
insert them, move the head — one round trip under the lock, then COMMIT.

The hashes are computed by the server (``sha256`` over the previous hash and each entry's
canonical JSON, of which Python sends everything but the number: see
``hashing.content_prefix``), and checked again by Python against the head the statement
returns, so a mismatch between the two fails the commit instead of writing a bad link.
The same statement sets ``synchronous_commit = off`` for this transaction: the lock goes
with the commit record, not after the fsync; the caller then waits for durability outside
the lock (``service._durable``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from infra.audit.hashing import content_prefix, entry_hash
from infra.audit.models import AuditEntry

CHAIN = text(
    """
WITH RECURSIVE
head AS (
  SELECT seq, hash, checkpoint_number, checkpoint_seq, checkpoint_at
  FROM audit_head WHERE id = 1 FOR UPDATE
),
input AS (
  SELECT * FROM unnest(
    CAST(:prefix AS text[]), CAST(:at AS timestamptz[]), CAST(:actor_id AS integer[]),
    CAST(:actor AS text[]), CAST(:action AS text[]), CAST(:entity AS text[]),
    CAST(:entity_id AS text[]), CAST(:department_id AS integer[]),
    CAST(:before AS json[]), CAST(:after AS json[])
  ) WITH ORDINALITY AS t(prefix, at, actor_id, actor, action, entity, entity_id,
                         department_id, before, after, n)
),
chain (n, seq, hash, prev) AS (
  SELECT 0::bigint, seq, hash::text, NULL::text FROM head
  UNION ALL
  SELECT c.n + 1, c.seq + 1,
         encode(sha256(convert_to(c.hash || i.prefix || (c.seq + 1)::text || '}', 'UTF8')),
                'hex')::text,
         c.hash
  FROM chain c JOIN input i ON i.n = c.n + 1
),
added AS (
  INSERT INTO audit_entries (seq, at, actor_id, actor, action, entity, entity_id,
                             department_id, before, after, prev_hash, hash)
  SELECT c.seq, i.at, i.actor_id, i.actor, i.action, i.entity, i.entity_id,
         i.department_id, i.before, i.after, c.prev, c.hash
  FROM chain c JOIN input i ON i.n = c.n
),
tip AS (SELECT seq, hash FROM chain ORDER BY n DESC LIMIT 1)
UPDATE audit_head SET seq = tip.seq, hash = tip.hash
FROM tip, head
WHERE audit_head.id = 1
RETURNING head.seq AS old_seq, head.hash AS old_hash, head.checkpoint_number,
          head.checkpoint_seq, head.checkpoint_at, tip.hash AS new_hash,
          set_config('synchronous_commit', 'off', true) AS async_commit
"""
)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def append(session: Session, entries: list[AuditEntry]) -> Any:
    """Chain ``entries``; the head row as it was before (None if there is no head yet)."""
    params = {
        "prefix": [content_prefix(e) for e in entries],
        "at": [e.at for e in entries],
        "actor_id": [e.actor_id for e in entries],
        "actor": [e.actor for e in entries],
        "action": [e.action for e in entries],
        "entity": [e.entity for e in entries],
        "entity_id": [e.entity_id for e in entries],
        "department_id": [e.department_id for e in entries],
        "before": [_json(e.before) for e in entries],
        "after": [_json(e.after) for e in entries],
    }
    head = session.execute(CHAIN, params).one_or_none()
    if head is None:
        return None
    seq, prev = head.old_seq, head.old_hash
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(prev, entry)
    if prev != head.new_hash:
        raise RuntimeError(
            f"audit chain: the database hashed entry {seq} as {head.new_hash}, Python as {prev}"
        )
    return head

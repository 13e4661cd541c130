"""How an entry's hash is made: SHA-256 over the previous hash and the entry's canonical JSON
(sorted keys, no whitespace, UTC timestamps), so changing, removing or reordering any entry
breaks every hash after it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from infra.audit.models import AuditEntry

GENESIS_HASH = "0" * 64


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


def content_prefix(entry: AuditEntry) -> str:
    """The canonical JSON up to the entry's number: ``"seq"`` sorts last among the keys, so
    ``canonical_content(entry) == content_prefix(entry) + str(entry.seq) + "}"`` — what lets
    PostgreSQL number and hash an entry under the head lock (see :mod:`infra.audit.chain_pg`)."""
    without = {
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
    body = json.dumps(without, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return body[:-1] + ',"seq":'

"""Shared steps for the audit tests: append through the service, tamper as a DDL-holder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import guard
from infra.audit.actor import Actor
from infra.audit.hashing import entry_hash
from infra.audit.models import AuditEntry, AuditHead
from infra.audit.service import record
from infra.audit.verify import ChainReport, verify_chain
from infra.database import session_scope
from infra.settings import reset_settings

ACTOR = Actor(username="alice", user_id=7)


def append(factory: sessionmaker[Session], n: int, *, entity: str = "thing") -> None:
    """``n`` transactions of one audited change each."""
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


def verify(session: Session) -> ChainReport:
    session.rollback()  # end the test session's snapshot: see what the writers committed
    return verify_chain(session)


def raw(factory: sessionmaker[Session], sql: str, **params: object) -> None:
    """Tamper as someone with DDL rights would: lift the append-only guard, then write."""
    with session_scope(factory) as session, guard.suspended(session.connection()):
        session.execute(text(sql), params)


def rehash_from(factory: sessionmaker[Session], seq: int, **changes: object) -> None:
    """Alter entry ``seq`` and re-hash it, every entry after it and the head: a chain that
    walks clean, as a database administrator could forge it."""
    with session_scope(factory) as tx, guard.suspended(tx.connection()):
        entries = tx.scalars(
            select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)
        ).all()
        for key, value in changes.items():
            setattr(entries[0], key, value)
        prev = entries[0].prev_hash
        for entry in entries:
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(prev, entry)
        tx.flush()
        head = tx.get_one(AuditHead, 1)
        head.hash = prev


@contextmanager
def audit_settings(**values: object) -> Iterator[None]:
    """Run with ``GOVCLOUD_AUDIT__<NAME>`` set (settings re-read before and after)."""
    names = {f"GOVCLOUD_AUDIT__{k.upper()}": str(v) for k, v in values.items()}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    reset_settings()
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        reset_settings()

"""The audit tables are append-only in the database itself: a trigger refuses UPDATE and DELETE
(and TRUNCATE on PostgreSQL) on entries and checkpoints, whoever the client is."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.service import count_entries
from infra.database import session_scope
from tests.infra.audit.helpers import append, audit_settings, raw, verify

REFUSED = [
    "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1",
    "DELETE FROM audit_entries WHERE seq = 2",
    "DELETE FROM audit_entries",
    "UPDATE audit_checkpoints SET hash = 'x' WHERE number = 1",
    "DELETE FROM audit_checkpoints",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_the_trigger_refuses_rewriting_history(
    session_factory: sessionmaker[Session], session: Session, sql: str
) -> None:
    """Catches a migration that forgot the trigger (drop it and this fails)."""
    with audit_settings(checkpoint_every=1):
        append(session_factory, 2)
    with (
        pytest.raises(DBAPIError, match="audit log is append-only"),
        session_scope(session_factory) as tx,
    ):
        tx.execute(text(sql))
    assert count_entries(session) == 2
    assert verify(session).ok


def test_postgresql_refuses_truncate(
    session_factory: sessionmaker[Session], session: Session, backend_name: str
) -> None:
    if backend_name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is guarded above)")
    append(session_factory, 1)
    for table in ("audit_entries", "audit_checkpoints"):
        with (
            pytest.raises(DBAPIError, match="audit log is append-only"),
            session_scope(session_factory) as tx,
        ):
            tx.execute(text(f"TRUNCATE {table}"))
    assert count_entries(session) == 1


def test_the_privileged_path_gets_through_and_the_guard_comes_back(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """What tampering tests use (as an attacker with DDL rights would): the guard is lifted
    for one transaction only."""
    append(session_factory, 2)
    raw(session_factory, "DELETE FROM audit_entries WHERE seq = 2")
    assert count_entries(session) == 1
    with (
        pytest.raises(DBAPIError, match="audit log is append-only"),
        session_scope(session_factory) as tx,
    ):
        tx.execute(text("DELETE FROM audit_entries"))

"""Triggers that make the audit tables append-only, and the privileged way around them.

PostgreSQL: a row trigger refuses UPDATE and DELETE, a statement trigger refuses TRUNCATE, on
``audit_entries`` and ``audit_checkpoints``.  SQLite: BEFORE UPDATE / BEFORE DELETE triggers
that ``RAISE(ABORT)``.  They stop the application's own connections (and SQL injected through
them) from rewriting history; someone with DDL rights can still drop them — which the signed
checkpoints catch.  :func:`suspended` is that privileged path, for tests and for emptying a
test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

TABLES = ("audit_entries", "audit_checkpoints")
REFUSED = "audit log is append-only"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$
"""


def create_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        statements = [PG_FUNCTION]
        for table in TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
            ]
        return statements
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: {op} on {table} refused'); END"
        for table in TABLES
        for op in ("UPDATE", "DELETE")
    ]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            *(
                f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
                for table in TABLES
                for name in ("append_only", "no_truncate")
            ),
            "DROP FUNCTION IF EXISTS audit_append_only()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{op}" for table in TABLES for op in ("update", "delete")
    ]


@contextmanager
def suspended(connection: Connection) -> Iterator[None]:
    """Lift the guard inside ``connection``'s transaction (a privileged, DDL-level act).

    PostgreSQL: ``session_replication_role = replica`` for this transaction (superuser) —
    the way an attacker with such rights would; SQLite: the triggers are dropped and created
    again in the same transaction.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
        return
    for statement in drop_statements(dialect):
        connection.exec_driver_sql(statement)
    yield
    for statement in create_statements(dialect):
        connection.exec_driver_sql(statement)

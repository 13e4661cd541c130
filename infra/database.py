"""Engine, sessions and the declarative base.

SQLite (the embedded default) runs in WAL mode with foreign keys on.  Sessions come in two
kinds: *writer* sessions begin with ``BEGIN IMMEDIATE``, so writers queue on SQLite's one write
lock up front instead of failing halfway with "database is locked" after they have read — what
makes quota checks and the audit chain safe under concurrency; *reader* sessions begin a plain
deferred transaction and never block anyone (WAL readers and writers do not wait for each
other).  PostgreSQL ignores the distinction and uses row and advisory locks.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, Numeric, String, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

from infra.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC timestamp on every backend; naive datetimes are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: govcloud stores aware UTC times only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Exact(TypeDecorator[decimal.Decimal]):
    """Exact decimals (money, areas, kW) on every backend: NUMERIC on PostgreSQL, text on
    SQLite (which would otherwise round through floats).  Floats are refused, not converted."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 4) -> None:
        super().__init__()
        self.precision, self.scale = precision, scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: decimal.Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, decimal.Decimal | int):
            raise TypeError(f"exact decimal column given {type(value).__name__}: use Decimal")
        quantum = decimal.Decimal(1).scaleb(-self.scale)
        exact = decimal.Decimal(value).quantize(quantum)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(str(value))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine configured for govcloud's rules on SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _configure_sqlite(engine)
        return engine
    # Up to 40 connections: as many as the app's worker threads (anyio's default limiter), so
    # a request never waits for a connection while holding the worker another request needs.
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=30)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITER_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.database_echo)


WRITER_OPTION = "govcloud_writer"


def session_factories(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """(reader, writer) session factories over one engine and one connection pool."""
    reader = engine.execution_options(**{WRITER_OPTION: False})
    writer = engine.execution_options(**{WRITER_OPTION: True})
    return (
        sessionmaker(bind=reader, expire_on_commit=False),
        sessionmaker(bind=writer, expire_on_commit=False),
    )


@lru_cache(maxsize=1)
def _factories() -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    return session_factories(get_engine())


def get_session_factory() -> sessionmaker[Session]:
    """Sessions that may write (jobs, the CLI, state-changing requests)."""
    return _factories()[1]


def get_read_session_factory() -> sessionmaker[Session]:
    """Sessions that only read (GET requests, pages, reports)."""
    return _factories()[0]


def reader_of(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The read-only counterpart of a writer factory, sharing its engine."""
    bind = factory.kw["bind"]
    return sessionmaker(
        bind=bind.execution_options(**{WRITER_OPTION: False}), expire_on_commit=False
    )


def reset_engine() -> None:
    """Dispose of the cached engine (tests and the CLI switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _factories.cache_clear()


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    session = (factory or get_session_factory())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def serialize_on(session: Session, key: str) -> None:
    """Hold a transaction-long lock named ``key``: writers with the same key take turns.

    PostgreSQL gets an advisory lock (row locks cannot stop a concurrent *insert* that would
    clash); SQLite needs nothing, as BEGIN IMMEDIATE already admits one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

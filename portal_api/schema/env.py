"""Alembic environment: the URL comes from govcloud's settings unless the caller set one."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from infra.database import Exact, UTCDateTime, make_engine
from infra.settings import get_settings
from portal_api.schema.all_models import Base

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Migrations stay free of our own types: UTCDateTime is a timezone-aware DateTime."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(obj, Exact):
        string_length = obj.precision + 2
        return (
            f"sa.Numeric({obj.precision}, {obj.scale})"
            f'.with_variant(sa.String({string_length}), "sqlite")'
        )
    return False


def _ours(name: str | None, type_: str, _parent: Any) -> bool:
    """Procrastinate's tables (the jobs engine on PostgreSQL) are its own schema, not ours."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:  # `alembic check` raises when it finds drift: close the pool all the same
        engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

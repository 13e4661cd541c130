"""Schema migrations (Alembic) for the CLI and the tests — the database's tables, not
``infra.migration`` (moving legacy systems to the cloud)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

SCRIPT_LOCATION = "portal_api:schema"  # env.py, script.py.mako
VERSION_LOCATIONS = "infra:migrations/versions"  # the revision files


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "space")  # "os" is ":" here, as in pkg:path
    config.set_main_option("version_locations", VERSION_LOCATIONS)
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def check(url: str | None = None) -> None:
    """Raise if the models and the migrations have drifted apart."""
    command.check(alembic_config(url))

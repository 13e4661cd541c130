"""Running the ``govcloud`` command in-process against the test database."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from infra.database import reset_engine
from infra.settings import reset_settings


def run_cli(database_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """``govcloud ARGS`` with GOVCLOUD_DATABASE_URL pointing at ``database_url``.

    The CLI builds settings and its engine lazily from the environment; both are forgotten
    before and after, so the test run's own settings are untouched.
    """
    from portal_api.cli import app

    reset_settings()
    reset_engine()
    try:
        return CliRunner().invoke(
            app, list(args), env={"GOVCLOUD_DATABASE_URL": database_url, **(env or {})}
        )
    finally:
        reset_engine()
        reset_settings()

"""The ``govcloud`` command: serve the control panel and administer it from a shell."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from infra.database import reset_engine, session_scope
from infra.settings import get_settings, reset_settings
from portal_api.clikit import console, fail, settings_or_exit
from portal_api.domains import DOMAINS

app = typer.Typer(help="govcloud: run a shared government cloud.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (demo_app, "demo"),
):
    app.add_typer(sub, name=name)
for domain in DOMAINS:  # each domain's commands, in one style: register(app)
    if (commands := domain.part("cli")) is not None:
        commands.register(app)


@app.callback()
def main(
    ctx: typer.Context,
    demo: Annotated[
        bool, typer.Option("--demo", help="Demo mode: a placeholder secret is fine.")
    ] = False,
) -> None:
    if demo:
        os.environ["GOVCLOUD_DEMO"] = "1"
        reset_settings()
        reset_engine()
    # Every command reads the settings (the database URL at least): refuse bad ones here,
    # once, with the advice on getting a secret, before any command half-runs.  Not for
    # `serve`, whose own --demo (README's `make run`) decides first and checks them itself.
    if ctx.invoked_subcommand != "serve":
        settings_or_exit()
    from infra.events.dispatch import install
    from portal_api.registry import SUBSCRIPTIONS
    from portal_api.runtime import install_registry

    install_registry()  # every command may submit or run jobs
    install(SUBSCRIPTIONS)  # a command that publishes delivers to the same subscribers


# -- db ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from portal_api.schema import migrate

    settings_or_exit()
    migrate.upgrade(get_settings().database_url, revision)
    console.print(f"database at [bold]{revision}[/]")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations have drifted apart."""
    from portal_api.schema import migrate

    settings_or_exit()
    try:
        migrate.check(get_settings().database_url)
    except Exception as exc:
        raise fail(f"models and migrations differ: {exc}") from exc
    console.print("models and migrations agree")


# -- users and tokens ----------------------------------------------------------------------


def _audit_key_or_exit() -> None:
    """Audited writes sign checkpoints: a panel without the key would fail them later."""
    from infra.audit import signing

    try:
        signing.signing_key()
    except signing.AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc


# -- demo and serve ------------------------------------------------------------------------


def _print_logins() -> None:
    from portal_api.demo import LOGINS

    table = Table(title="demo logins (password for all: govcloud-demo)")
    for column in ("username", "role", "department"):
        table.add_column(column)
    for login in LOGINS:
        table.add_row(login.username, login.role.value, login.department or "—")
    console.print(table)


@demo_app.command("logins")
def demo_logins() -> None:
    """Print the demo logins: usernames, roles and departments (one password for all)."""
    _print_logins()


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo city (idempotent)."""
    from portal_api import demo

    settings_or_exit()
    with session_scope() as session:
        demo.load(session)
    console.print("demo data loaded")
    _print_logins()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Migrate, load the demo city and print its logins first.")
    ] = False,
) -> None:
    """Serve the control panel (API under /api/v1, pages at /)."""
    import uvicorn

    from portal_api.app import create_app

    if demo:
        os.environ["GOVCLOUD_DEMO"] = "1"
        reset_settings()
        reset_engine()
        settings_or_exit()
        db_upgrade("head")
        demo_load()
    settings_or_exit()
    _audit_key_or_exit()
    console.print(
        f"govcloud control panel on [bold]http://{host}:{port}/[/]  (API docs: /api/v1/docs)"
    )
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


if __name__ == "__main__":
    app()

"""The ``govcloud`` command: serve the control panel and administer it from a shell."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy import select

from infra.audit.actor import Actor
from infra.database import reset_engine, session_scope
from infra.errors import GovcloudError
from infra.inventory.models import Provider
from infra.settings import get_settings, reset_settings
from infra.tenancy import accounts
from infra.tenancy.enums import Role
from infra.tenancy.models import Department, User
from infra.tenancy.schemas import UserCreate
from infra.tenancy.scope import Scope
from portal_api.clikit import console, err, fail, settings_or_exit
from portal_api.domains import DOMAINS

app = typer.Typer(help="govcloud: run a shared government cloud.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (user_app, "user"),
    (token_app, "token"),
    (audit_app, "audit"),
    (demo_app, "demo"),
):
    app.add_typer(sub, name=name)
for domain in DOMAINS:  # each domain's commands, in one style: register(app)
    if (commands := domain.part("cli")) is not None:
        commands.register(app)

CLI_ACTOR = Actor.system("cli")


@app.callback()
def main(
    demo: Annotated[
        bool, typer.Option("--demo", help="Demo mode: a placeholder secret is fine.")
    ] = False,
) -> None:
    if demo:
        os.environ["GOVCLOUD_DEMO"] = "1"
        reset_settings()
        reset_engine()
    # Every command reads the settings (the database URL at least): refuse bad ones here,
    # once, with the advice on getting a secret, before any command half-runs.
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


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option(help="Login name, lowercase.")],
    role: Annotated[Role, typer.Option(help="One of the platform's roles.")],
    department: Annotated[
        str | None, typer.Option(help="Department code (department roles).")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="Provider code (provider_rep: required).")
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, envvar="GOVCLOUD_NEW_PASSWORD"
        ),
    ] = "",
) -> None:
    """Create an account."""
    settings_or_exit()
    try:
        with session_scope() as session:
            department_id = None
            if department:
                department_id = session.scalar(
                    select(Department.id).where(Department.code == department)
                )
                if department_id is None:
                    raise fail(f"department: no department has code {department!r}")
            provider_id = None
            if provider:
                provider_id = session.scalar(select(Provider.id).where(Provider.code == provider))
                if provider_id is None:
                    raise fail(f"provider: no provider has code {provider!r}")
            data = UserCreate(
                username=username,
                display_name=display_name or username,
                password=password,
                role=role,
                department_id=department_id,
                provider_id=provider_id,
            )
            user = accounts.create_user(
                session, scope=Scope.everything(), data=data, actor=CLI_ACTOR
            )
            console.print(
                f"created user [bold]{user.username}[/] ({user.role.value}), id {user.id}"
            )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise fail(problems) from exc
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Option(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days until it expires.")] = 90,
) -> None:
    """Issue an API token; it is printed once and only its hash is stored."""
    settings_or_exit()
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            raise fail(f"username: no active user {username!r}")
        token, plaintext = accounts.issue_token(
            session, user=user, name=name, expires_in_days=days, actor=CLI_ACTOR
        )
        expires = token.expires_at.date().isoformat() if token.expires_at else "never"
    console.print(f"token for {username} (expires {expires}):")
    print(plaintext)


# -- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain and its signed checkpoints; exit 1 naming what does not hold."""
    from infra.audit.service import verify_chain
    from infra.audit.signing import AuditKeyMissing

    settings_or_exit()
    try:
        with session_scope() as session:
            report = verify_chain(session)
    except AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc
    if not report.ok:
        for problem in report.problems[1:]:
            err.print(f"also: {problem}")
        raise fail(f"audit chain broken at entry {report.first_broken_seq}: {report.reason}")
    console.print(
        f"audit chain intact: {report.checked} entries verified, "
        f"{report.checkpoints} signed checkpoints"
    )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the chain's head now (if it moved since the last one)."""
    from infra.audit.service import sign_now
    from infra.audit.signing import AuditKeyMissing

    settings_or_exit()
    try:
        with session_scope() as session:
            signed = sign_now(session)
    except AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc
    if signed is None:
        console.print("no new entries since the last checkpoint")
    else:
        console.print(f"signed checkpoint {signed.number} at entry {signed.seq}")


@audit_app.command("keygen")
def audit_keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (GOVCLOUD_AUDIT__KEY_PATH, mode 0600)."""
    from infra.audit import signing

    settings_or_exit()
    path = get_settings().audit.key_path
    if path.exists():
        raise fail(f"{path} exists: refusing to replace the audit signing key")
    key = signing.generate_key(path)
    console.print(f"audit signing key written to {path} (key {signing.key_id(key.public_key())})")
    print(signing.public_pem(key.public_key()), end="")


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the public key a verifier needs (PEM)."""
    from infra.audit import signing

    settings_or_exit()
    try:
        print(signing.public_pem(signing.public_key()), end="")
    except signing.AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc


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
        main(demo=True)
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

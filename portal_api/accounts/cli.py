"""Accounts from the shell: create users, issue API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import select

from infra.database import session_scope
from infra.errors import GovcloudError
from infra.inventory.models import Provider
from infra.tenancy import accounts
from infra.tenancy.enums import Role
from infra.tenancy.models import Department, User
from infra.tenancy.schemas import UserCreate
from infra.tenancy.scope import Scope
from portal_api.clikit import CLI_ACTOR, console, fail, settings_or_exit

user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(user_app, name="user")
    root.add_typer(token_app, name="token")


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

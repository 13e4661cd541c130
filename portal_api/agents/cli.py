"""``govcloud agent``: run the host agent, and enrol or revoke agents (operators, from a shell)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from infra.database import session_scope
from infra.errors import GovcloudError
from monitoring.metrics import service
from portal_api.clikit import CLI_ACTOR, console, fail, settings_or_exit

app = typer.Typer(help="Host agents: run one, enrol and revoke them.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="agent")


@app.command(
    "run",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def run(ctx: typer.Context) -> None:
    """Run the host agent (options: ``govcloud agent run --help``)."""
    from monitoring.agent.main import main

    main(list(ctx.args))


@app.command("enrol")
def enrol(
    host: Annotated[str, typer.Argument(help="The inventory host's name.")],
    token_file: Annotated[
        str | None, typer.Option(help="Write the token to this file (0600) instead of stdout.")
    ] = None,
) -> None:
    """Enrol HOST's agent: prints its token once (only the hash is kept)."""
    import os

    settings_or_exit()
    try:
        with session_scope() as session:
            found = service.host_by_name(session, name=host)
            enrolment, token = service.enrol(session, actor=CLI_ACTOR, host_id=found.id)
            enrolment_id = enrolment.id
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    if token_file:
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(token + "\n")
        console.print(f"enrolment {enrolment_id} for {host}; token written to {token_file}")
    else:
        console.print(f"enrolment {enrolment_id} for {host}; token (shown once):")
        print(token)


@app.command("revoke")
def revoke(enrolment_id: Annotated[int, typer.Argument(help="The enrolment's id.")]) -> None:
    """Revoke an agent's token: its pushes are refused from now on."""
    settings_or_exit()
    try:
        with session_scope() as session:
            enrolment = service.revoke(session, actor=CLI_ACTOR, enrolment_id=enrolment_id)
            host = enrolment.host.name
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    console.print(f"enrolment {enrolment_id} ({host}) revoked")


@app.command("list")
def list_agents() -> None:
    """Enrolled agents, their last push and whether they are revoked."""
    settings_or_exit()
    table = Table("id", "host", "token", "enrolled", "last push", "revoked")
    with session_scope() as session:
        for e in service.list_enrolments(session):
            table.add_row(
                str(e.id),
                e.host.name,
                e.prefix + "…",
                f"{e.created_at:%Y-%m-%d %H:%M}",
                f"{e.last_push_at:%Y-%m-%d %H:%M:%S}" if e.last_push_at else "never",
                f"{e.revoked_at:%Y-%m-%d %H:%M}" if e.revoked_at else "",
            )
    console.print(table)

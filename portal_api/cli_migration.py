"""``govcloud discover``, ``assess``, ``waves`` and ``migrate``: flow 2 from a shell.

Long work (sweeps, runs) goes through the same jobs as the API, run inline in this process so
the command ends when the work does; events are printed as they are stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from infra.audit.actor import Actor
from infra.database import session_scope
from infra.errors import GovcloudError
from infra.jobs.models import Job, JobEvent
from infra.jobs.runner import InlineBackend, set_backend
from infra.tenancy.scope import Scope

discover_app = typer.Typer(help="Discover legacy hosts over SSH.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
ACTOR = Actor.system("cli")
EVERYTHING = Scope.everything()


def register(app: typer.Typer) -> None:
    """Add this module's command groups to the ``govcloud`` app."""
    app.add_typer(discover_app, name="discover")


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def run_job_inline(submit: object) -> Job:
    """Run the job that ``submit(session)`` queues, in this process; print its events."""
    previous = set_backend(InlineBackend())
    try:
        with session_scope() as session:
            job = submit(session)  # type: ignore[operator]
            job_id = job.id
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    finally:
        set_backend(previous)
    with session_scope() as session:
        for event in session.scalars(
            select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq)
        ):
            console.print(f"[dim]{event.at:%H:%M:%S}[/] {event.level.value:7} {event.message}")
        found = session.get(Job, job_id)
        assert found is not None
        session.expunge(found)
    return found


@discover_app.command("credential")
def credential_add(
    name: str,
    key_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    username: str = "root",
) -> None:
    """Store an SSH private key (sealed at rest) under NAME."""
    from infra.discovery import service
    from infra.discovery.schemas import CredentialCreate

    try:
        with session_scope() as session:
            row = service.create_credential(
                session,
                data=CredentialCreate(
                    name=name, username=username, private_key=key_file.read_text()
                ),
                actor=ACTOR,
            )
            console.print(f"credential {row.id} {name}: {row.fingerprint}")
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@discover_app.command("trust")
def trust(
    known_hosts: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Trust the host keys in an OpenSSH known_hosts file."""
    from infra.discovery import service

    try:
        with session_scope() as session:
            rows = service.import_known_hosts(session, text=known_hosts.read_text(), actor=ACTOR)
            console.print(f"{len(rows)} host key(s) trusted")
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@discover_app.command("import")
def import_csv(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import hosts from CSV (address, port, label, credential, data_dirs, …); all or none."""
    from infra.discovery import service

    try:
        with session_scope() as session:
            rows = service.import_targets_csv(
                session, text=csv_file.read_text(), actor=ACTOR, scope=EVERYTHING
            )
            console.print(f"{len(rows)} host(s) imported")
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@discover_app.command("add")
def add_target(
    address: str,
    credential: Annotated[str, typer.Option(help="credential name")],
    port: int = 22,
    label: str | None = None,
    data_dir: Annotated[list[str] | None, typer.Option(help="a directory to size")] = None,
) -> None:
    """Register one host to discover."""
    from infra.discovery import service
    from infra.discovery.models import SshCredential
    from infra.discovery.schemas import TargetCreate

    try:
        with session_scope() as session:
            cred = session.scalar(select(SshCredential).where(SshCredential.name == credential))
            if cred is None:
                raise fail(f"credential: no credential named {credential!r}")
            row = service.create_target(
                session,
                data=TargetCreate(
                    address=address,
                    port=port,
                    label=label,
                    credential_id=cred.id,
                    data_dirs=data_dir or [],
                ),
                actor=ACTOR,
                scope=EVERYTHING,
            )
            console.print(f"target {row.id}: {row.address}:{row.port}")
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@discover_app.command("run")
def run_sweep(
    target: Annotated[list[int] | None, typer.Option(help="target id (default: all)")] = None,
    concurrency: int = 16,
    timeout: Annotated[int, typer.Option(help="seconds per host")] = 30,
    samples: int = 5,
    interval: float = 1.0,
    accept_new_host_keys: bool = False,
) -> None:
    """Probe hosts in parallel; one unreachable host never stops the sweep."""
    from decimal import Decimal

    from infra.discovery import flows
    from infra.discovery.schemas import SweepCreate

    data = SweepCreate(
        target_ids=target or [],
        concurrency=concurrency,
        timeout_s=timeout,
        samples=samples,
        interval_s=Decimal(str(interval)),
        accept_new_host_keys=accept_new_host_keys,
    )
    job = run_job_inline(
        lambda session: flows.start_sweep(session, data=data, actor=ACTOR, scope=EVERYTHING)
    )
    show()
    if job.error:
        raise fail(job.error)


@discover_app.command("show")
def show() -> None:
    """Every target with its reachability and headline facts."""
    from infra.discovery import service

    table = Table(title="discovered hosts")
    for column in ("id", "address", "hostname", "state", "os", "cpu", "mem GiB", "cpu p95 %"):
        table.add_column(column)
    with session_scope() as session:
        for t in service.list_targets(session, scope=EVERYTHING):
            facts = t.facts or {}
            util = facts.get("utilisation", {})
            table.add_row(
                str(t.id),
                f"{t.address}:{t.port}",
                t.hostname or "",
                " ".join(filter(None, [t.reachability.value, t.last_error])),
                facts.get("os_name") or "",
                str(facts.get("cpu", {}).get("count", "")),
                f"{facts['memory']['total_kib'] / 1048576:.1f}" if facts else "",
                str(util.get("cpu_p95", "")),
            )
    console.print(table)

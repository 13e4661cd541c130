"""``govcloud discover``, ``assess``, ``waves`` and ``migrate``: flow 2 from a shell.

Long work (sweeps, runs) goes through the same jobs as the API, run inline in this process so
the command ends when the work does; events are printed as they are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.database import session_scope
from infra.errors import GovcloudError
from infra.jobs.models import Job, JobEvent
from infra.jobs.runner import InlineBackend, set_backend
from infra.migration.models import MigrationRun
from infra.tenancy.scope import Scope
from portal_api.clikit import CLI_ACTOR, console, fail

discover_app = typer.Typer(help="Discover legacy hosts over SSH.", no_args_is_help=True)
waves_app = typer.Typer(help="Plan migration waves.", no_args_is_help=True)
migrate_app = typer.Typer(help="Migrate, cut over, resume, roll back.", no_args_is_help=True)
EVERYTHING = Scope.everything()


def register(app: typer.Typer) -> None:
    """Add this module's command groups to the ``govcloud`` app."""
    app.add_typer(discover_app, name="discover")
    app.command("assess")(assess)
    app.add_typer(waves_app, name="waves")
    app.add_typer(migrate_app, name="migrate")


def run_job_inline(submit: Callable[[Session], Job]) -> Job:
    """Run the job that ``submit(session)`` queues, in this process; print its events."""
    previous = set_backend(InlineBackend())
    try:
        with session_scope() as session:
            job = submit(session)
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
                actor=CLI_ACTOR,
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
            rows = service.import_known_hosts(
                session, text=known_hosts.read_text(), actor=CLI_ACTOR
            )
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
                session, text=csv_file.read_text(), actor=CLI_ACTOR, scope=EVERYTHING
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
                actor=CLI_ACTOR,
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
        lambda session: flows.start_sweep(session, data=data, actor=CLI_ACTOR, scope=EVERYTHING)
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


# -- assess, waves, migrate ----------------------------------------------------------------


def assess(
    system: Annotated[list[int] | None, typer.Argument(help="system ids (default: all)")] = None,
) -> None:
    """Suggest a strategy with its reasons and right-size each system from observed p95."""
    from infra.migration import assessment
    from infra.migration import service as systems

    table = Table(title="assessment")
    for column in ("system", "strategy", "vCPU", "memory GiB", "storage GiB", "reasons"):
        table.add_column(column)
    try:
        with session_scope() as session:
            ids = system or [s.id for s in systems.list_systems(session, scope=EVERYTHING)]
            for system_id in ids:
                row = assessment.assess(
                    session, system_id=system_id, actor=CLI_ACTOR, scope=EVERYTHING
                )
                table.add_row(
                    f"{row.id} {row.application.code}",
                    (row.strategy or "").upper() if row.strategy else "",
                    str(row.sized_vcpu or ""),
                    str(row.sized_memory_gib or ""),
                    str(row.sized_storage_gib or ""),
                    "; ".join(row.reasons),
                )
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    console.print(table)


@waves_app.command("plan")
def waves_plan(
    starts_on: Annotated[str, typer.Option(help="first Monday, YYYY-MM-DD")],
    plan: str = "default",
    max_concurrent: int = 3,
    max_waves: int = 52,
) -> None:
    """Plan waves of signed-off systems: dependency order, downtime windows, a cap."""
    import datetime as dt

    from infra.migration import assessment
    from infra.migration.schemas import WavePlanCreate

    try:
        data = WavePlanCreate(
            plan=plan,
            starts_on=dt.date.fromisoformat(starts_on),
            max_concurrent=max_concurrent,
            max_waves=max_waves,
        )
        with session_scope() as session:
            _, unplaced = assessment.plan_and_store(
                session, data=data, actor=CLI_ACTOR, scope=EVERYTHING
            )
            for wave, members in assessment.planned_at(session, plan=plan):
                console.print(f"[bold]wave {wave.number}[/] {wave.starts_at:%Y-%m-%d}")
                for m in members:
                    console.print(
                        f"  system {m.system_id}: {m.slot_starts_at:%a %H:%M}–"
                        f"{m.slot_ends_at:%H:%M} UTC"
                    )
    except (GovcloudError, ValueError) as exc:
        raise fail(getattr(exc, "message", str(exc))) from exc
    for system_id, reason in sorted(unplaced.items()):
        console.print(f"[yellow]not placed[/] system {system_id}: {reason}")


def _report(job: Job) -> None:
    with session_scope() as session:
        run = session.scalar(select(MigrationRun).where(MigrationRun.job_id == job.id))
        if run is None:
            raise fail(job.error or "no run")
        steps = ", ".join(f"{s['name']}={s['status']}" for s in run.steps)
        console.print(f"run {run.id} ({run.kind.value}): {run.status.value} — {steps}")
        if run.error:
            raise fail(run.error)


@migrate_app.command("run")
def migrate_run(
    plan_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Run a migration (or cut-over) described by a JSON file (the API's RunCreate)."""
    from pydantic import ValidationError

    from infra.migration import runs
    from infra.migration.schemas import RunCreate

    try:
        data = RunCreate.model_validate_json(plan_file.read_text())
    except ValidationError as exc:
        raise fail(str(exc.errors()[0]["loc"]) + ": " + exc.errors()[0]["msg"]) from exc
    job = run_job_inline(
        lambda session: _job_of(
            session, runs.create_run(session, data=data, actor=CLI_ACTOR, scope=EVERYTHING)
        )
    )
    _report(job)


@migrate_app.command("resume")
def migrate_resume(run_id: int) -> None:
    """Go on from the first step not done (after a failure or a crash)."""
    from infra.migration import runs

    job = run_job_inline(
        lambda session: _job_of(
            session, runs.resume_run(session, run_id=run_id, actor=CLI_ACTOR, scope=EVERYTHING)
        )
    )
    _report(job)


@migrate_app.command("rollback")
def migrate_rollback(run_id: int) -> None:
    """Restart the source and discard the destination of a run."""
    from infra.migration import runs

    job = run_job_inline(
        lambda session: _job_of(
            session, runs.rollback(session, run_id=run_id, actor=CLI_ACTOR, scope=EVERYTHING)
        )
    )
    _report(job)


def _job_of(session: Session, run: MigrationRun) -> Job:
    job = session.get(Job, run.job_id)
    if job is None:
        raise fail(f"run {run.id} has no job")
    return job

"""``govcloud stack …``: render, check drift, and run department stacks from a shell."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.database import get_session_factory, session_scope
from infra.errors import GovcloudError
from infra.jobs import service as jobs
from infra.jobs.enums import EventLevel
from infra.jobs.runner import InProcessBackend, set_backend
from infra.provisioning import flows, service
from infra.provisioning.enums import StackOperation
from infra.settings import get_settings
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from portal_api.clikit import CLI_ACTOR, console, fail

app = typer.Typer(help="Department tenancy stacks (Pulumi).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="stack")


PLATFORM = "platform"

DepartmentArg = Annotated[str, typer.Argument(help="Department code, e.g. police.")]


def _department(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise fail(f"department: no department has code {code!r}")
    return department


@app.command("render")
def render(
    department: Annotated[
        str, typer.Argument(help="Department code, or 'platform' for the shared services.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Directory for the YAML files (default: rendered/CODE).")
    ] = None,
    validate: Annotated[
        bool,
        typer.Option(
            help="Check every object against the Kubernetes schemas (kubernetes-validate)."
        ),
    ] = False,
) -> None:
    """Write the Kubernetes manifests the stack would create, one YAML file per object.

    Runs the Pulumi program under Pulumi's own mocks: no pulumi CLI and no cluster needed.
    """
    from stacks.render import write

    settings = get_settings().provisioning
    try:
        if department == PLATFORM:
            manifests = flows.render_platform(settings)
        else:
            with session_scope() as session:
                found = _department(session, department)
                manifests = flows.render_department(session, department=found, settings=settings)
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    if validate:
        try:
            import kubernetes_validate
        except ImportError as exc:
            raise fail(
                "--validate needs kubernetes-validate: pip install kubernetes-validate"
            ) from exc
        for manifest in manifests:
            try:
                kubernetes_validate.validate(
                    manifest.body, settings.kubernetes_version, strict=True
                )
            except kubernetes_validate.ValidationError as exc:
                raise fail(f"{manifest.filename}: {exc.message}") from exc
    target = out or Path("rendered") / department
    paths = write(manifests, target)
    checked = f", valid for Kubernetes {settings.kubernetes_version}" if validate else ""
    console.print(f"{len(paths)} manifests in [bold]{target}[/]{checked}")


@app.command("drift")
def drift(department: DepartmentArg) -> None:
    """Compare the database's quotas with the cluster's ResourceQuotas (exit 1 on drift)."""
    settings = get_settings().provisioning
    try:
        with session_scope() as session:
            found = _department(session, department)
            report = flows.drift(session, department=found, settings=settings)
    except GovcloudError as exc:
        raise fail(exc.message, 2) from exc
    if report.in_sync:
        console.print(
            f"[green]in sync:[/] {len(report.namespaces)} namespaces of {department} match "
            "the database"
        )
        return
    table = Table(title=f"quota drift of {department}")
    for column in ("namespace", "kind", "key", "database", "cluster"):
        table.add_column(column)
    for finding in report.findings:
        table.add_row(
            finding.namespace,
            finding.kind.value,
            finding.key or "—",
            finding.expected or "—",
            finding.live or "—",
        )
    console.print(table)
    raise typer.Exit(1)


def _follow(job_id: str) -> bool:
    """Print the job's events as they are written; True if it succeeded."""
    after = 0
    while True:
        with session_scope() as session:
            for event in jobs.events_after(session, job_id=job_id, after=after):
                after = event.seq
                style = "red" if event.level is EventLevel.ERROR else None
                console.print(
                    event.message, style=style, markup=False, highlight=False, soft_wrap=True
                )
            job = jobs.get_job(session, scope=Scope.everything(), job_id=job_id)
            status, finished = job.status, job.status.finished
            pending = jobs.events_after(session, job_id=job_id, after=after, limit=1)
        if finished and not pending:
            console.print(f"job {job_id}: {status.value}")
            return status.value == "succeeded"
        time.sleep(0.2)


def _run(code: str, operation: StackOperation) -> None:
    import infra.provisioning.jobs  # noqa: F401  (registers the handler)

    backend = InProcessBackend(1, get_session_factory())
    previous = set_backend(backend)
    try:
        with session_scope() as session:
            found = _department(session, code)
            job = service.start_run(
                session,
                scope=Scope.everything(),
                department_id=found.id,
                operation=operation,
                actor=CLI_ACTOR,
            )
            job_id = job.id
        ok = _follow(job_id)
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    finally:
        backend.shutdown(wait=True)
        set_backend(previous)
    if not ok:
        raise typer.Exit(1)


@app.command("preview")
def preview(department: DepartmentArg) -> None:
    """Show what `up` would change (needs the pulumi CLI)."""
    _run(department, StackOperation.PREVIEW)


@app.command("up")
def up(department: DepartmentArg) -> None:
    """Deploy the department's stack from the database (needs the pulumi CLI and a cluster)."""
    _run(department, StackOperation.UP)


@app.command("refresh")
def refresh(department: DepartmentArg) -> None:
    """Read the cluster's state of the stack's objects back into Pulumi's state."""
    _run(department, StackOperation.REFRESH)


@app.command("destroy")
def destroy(
    department: DepartmentArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the department's namespaces and everything in them."""
    if not yes:
        typer.confirm(
            f"Destroy every namespace of {department}, and all that runs in them?", abort=True
        )
    _run(department, StackOperation.DESTROY)

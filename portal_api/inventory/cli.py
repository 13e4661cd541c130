"""``govcloud inventory``: import and export surveys, show the capacity overview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from infra.database import get_read_session_factory, session_scope
from infra.inventory.survey_export import KINDS, export_csv, export_xlsx
from infra.inventory.survey_import import SurveyRejected, import_files
from infra.settings import get_settings
from infra.tenancy.requests.queries import shared_capacity
from infra.tenancy.scope import Scope
from portal_api.clikit import CLI_ACTOR, console, err

app = typer.Typer(help="Inventory: surveys of the legacy estate, capacity.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="inventory")


@app.callback()
def _settings_first() -> None:
    try:
        get_settings()
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        err.print(f"[bold red]error:[/] {message}")
        raise typer.Exit(2) from exc


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        str | None, typer.Option(help=f"Kind of every CSV file: {', '.join(KINDS)}.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
) -> None:
    """Import survey files (CSV named by kind, or XLSX with a sheet per kind): all or nothing."""
    if kind is not None and kind not in KINDS:
        err.print(f"[bold red]error:[/] kind: must be one of {', '.join(KINDS)}")
        raise typer.Exit(2)
    loaded = [(path.name, path.read_bytes()) for path in files]
    try:
        with session_scope() as session:
            report = import_files(
                session, files=loaded, actor=CLI_ACTOR, kind=kind, dry_run=dry_run
            )
    except SurveyRejected as exc:
        table = Table(title=f"{len(exc.rows)} problem(s); nothing was imported")
        for column in ("file", "line", "column", "reason"):
            table.add_column(column)
        for row in exc.rows:
            table.add_row(row.file, str(row.line), row.column, row.reason)
        err.print(table)
        raise typer.Exit(1) from exc
    table = Table(title=f"{'checked (dry run)' if report.dry_run else 'imported'}: {report.source}")
    for column in ("kind", "created", "updated", "unchanged"):
        table.add_column(column)
    for name, counts in report.counts().items():
        table.add_row(name, *(str(counts[c]) for c in ("created", "updated", "unchanged")))
    console.print(table)


@app.command("export")
def export_command(
    kind: Annotated[str | None, typer.Option(help="Export one kind to standard output.")] = None,
    out: Annotated[
        Path | None, typer.Option(file_okay=False, help="Write every kind as DIR/KIND.csv.")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write every kind into one workbook.")
    ] = None,
) -> None:
    """Export the legacy estate as survey CSV or XLSX (what `inventory import` reads)."""
    if sum(option is not None for option in (kind, out, xlsx)) != 1:
        err.print("[bold red]error:[/] give one of --kind (to stdout), --out DIR or --xlsx FILE")
        raise typer.Exit(2)
    with session_scope(get_read_session_factory()) as session:
        if xlsx is not None:
            xlsx.write_bytes(export_xlsx(session, scope=Scope.everything()))
            console.print(f"wrote {xlsx}")
            return
        if kind is not None:
            if kind not in KINDS:
                err.print(f"[bold red]error:[/] kind: must be one of {', '.join(KINDS)}")
                raise typer.Exit(2)
            typer.echo(export_csv(session, kind=kind, scope=Scope.everything()), nl=False)
            return
        assert out is not None
        out.mkdir(parents=True, exist_ok=True)
        for name in KINDS:
            path = out / f"{name}.csv"
            path.write_text(export_csv(session, kind=name, scope=Scope.everything()))
            console.print(f"wrote {path}")


@app.command("capacity")
def capacity_command() -> None:
    """Shared-cloud capacity by provider and zone (after the configured host reserve)."""
    reserve = get_settings().inventory.host_reserve
    with session_scope(get_read_session_factory()) as session:
        rows = shared_capacity(session, reserve=reserve)
    table = Table(title=f"shared-cloud capacity (reserve {reserve})")
    for column in ("provider", "zone", "hosts", "vCPU", "memory GiB", "storage GiB"):
        table.add_column(column)
    for row in rows:
        cap = row.capacity
        table.add_row(
            row.provider,
            row.zone.value,
            str(cap.hosts),
            *(
                f"{cap.allocated[r]} allocated, {cap.free(r)} free / "
                f"{cap.allocatable[r]} of {cap.total[r]}"
                for r in ("vcpu", "memory_gib", "storage_gib")
            ),
        )
    console.print(table)

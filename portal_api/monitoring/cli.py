"""``govcloud monitoring``: the status board, one probe round now, OpenSLO and Prometheus rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy import select

from infra.database import get_read_session_factory, get_session_factory, session_scope
from infra.errors import GovcloudError
from infra.inventory.models import Provider
from infra.settings import get_settings
from infra.tenancy.scope import Scope
from monitoring.services.models import MonitoredService
from monitoring.services.probing import run_probes
from monitoring.services.scheduled import settle
from monitoring.services.service import due_probes
from monitoring.slo import openslo, rules
from monitoring.slo.board import status_board
from monitoring.slo.models import Slo
from monitoring.slo.service import subject_services
from portal_api.clikit import CLI_ACTOR, console, err

app = typer.Typer(help="Service quality: probes, status, SLOs.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="monitoring")


@app.callback()
def _settings_first() -> None:
    try:
        get_settings()
    except ValidationError as exc:
        err.print(
            f"[bold red]error:[/] {str(exc.errors()[0]['msg']).removeprefix('Value error, ')}"
        )
        raise typer.Exit(2) from exc


def _pct(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


@app.command("status")
def status_command() -> None:
    """Every service: state, 30-day availability, budget left, open incidents."""
    with session_scope(get_read_session_factory()) as session:
        rows = status_board(session, scope=Scope.everything())
        providers = dict(session.execute(select(Provider.id, Provider.code)).all())
    table = Table(title="service status (30 days)")
    for column in ("service", "provider", "state", "availability", "budget left", "open"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.code,
            providers.get(r.provider_id, str(r.provider_id)),
            r.state.value,
            _pct(r.availability_30d),
            _pct(r.budget_remaining_30d, 1),
            str(r.open_incidents),
        )
    console.print(table)


@app.command("probe")
def probe_command() -> None:
    """Run the due probes once now (as the scheduler does every minute)."""
    from infra.database import utcnow

    with session_scope(get_read_session_factory()) as session:
        specs = due_probes(session, now=utcnow())
    outcomes = run_probes(specs, concurrency=get_settings().service_levels.probe_concurrency)
    with session_scope(get_session_factory()) as session:
        opened = settle(session, outcomes)
    failed = sum(not o.ok for o in outcomes)
    console.print(f"probed {len(outcomes)}, failed {failed}, incidents opened {opened}")


@app.command("slo-export")
def export_command() -> None:
    """Every SLO as OpenSLO v1 YAML on standard output."""
    with session_scope(get_read_session_factory()) as session:
        docs = []
        for slo in session.scalars(select(Slo).order_by(Slo.name)):
            code = (
                session.get_one(MonitoredService, slo.service_id).code
                if slo.service_id is not None
                else session.get_one(Provider, slo.provider_id).code
            )
            docs.extend(openslo.to_documents(slo, code))
    typer.echo(openslo.export_yaml(docs), nl=False)


@app.command("slo-import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create the SLOs of an OpenSLO v1 YAML file (all or nothing)."""
    try:
        with session_scope(get_session_factory()) as session:
            created = openslo.import_yaml(session, text=file.read_text(), actor=CLI_ACTOR)
            names = [s.name for s in created]
    except GovcloudError as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(1) from exc
    console.print(f"created {len(names)} SLOs: {', '.join(names)}")


@app.command("prometheus-rules")
def rules_command() -> None:
    """Prometheus recording and alerting rules for every SLO on standard output."""
    with session_scope(get_read_session_factory()) as session:
        pairs = [
            (s, [svc.code for svc in subject_services(session, s)])
            for s in session.scalars(select(Slo).order_by(Slo.name))
        ]
        text = rules.rules_yaml(pairs)
    typer.echo(text, nl=False)

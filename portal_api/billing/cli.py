"""``govcloud billing close|invoice|export``: month-end close, an invoice's file, FOCUS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from billing.focus.service import focus_rows, months_between, to_csv
from billing.invoices.flows import close_month
from billing.invoices.models import Invoice
from billing.invoices.render import canonical_csv, invoice_pdf
from infra.database import session_scope
from infra.errors import GovcloudError
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from portal_api.clikit import CLI_ACTOR, console, fail

app = typer.Typer(help="Billing: month-end close, invoices, FOCUS export.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="billing")


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01" if len(value) == 7 else value).replace(day=1)
    except ValueError as exc:
        raise typer.BadParameter(f"month: {value!r} is not YYYY-MM") from exc


@app.command("close")
def close(month: Annotated[str, typer.Argument(help="YYYY-MM, a month that has ended.")]) -> None:
    """Close a month: rate, invoice, settle, check budgets (a closed month is left as it is)."""
    try:
        with session_scope() as session:
            summary = close_month(session, month=_month(month), actor=CLI_ACTOR)
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    state = "already closed" if summary.get("already_closed") else "closed"
    console.print(
        f"{summary['month'][:7]} {state}: {summary['invoices']} invoices, "
        f"¥{float(summary['charged']):,.2f} charged, {summary['settlements']} settlements"
    )


@app.command("invoice")
def invoice(
    number: Annotated[str, typer.Argument(help="Invoice number, e.g. INV-202610-00003.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or pdf")] = "csv",
    lang: Annotated[str, typer.Option(help="zh-CN or en (PDF)")] = "zh-CN",
    output: Annotated[
        Path | None, typer.Option("-o", help="File to write (default stdout)")
    ] = None,
) -> None:
    """Write an issued invoice as its canonical CSV or a PDF."""
    if fmt not in ("csv", "pdf"):
        raise fail("format: csv or pdf")
    with session_scope() as session:
        row = session.scalar(select(Invoice).where(Invoice.number == number))
        if row is None:
            raise fail(f"invoice: no invoice {number}")
        if fmt == "csv":
            data = canonical_csv(row, list(row.lines))
        else:
            dept = session.get(Department, row.department_id)
            name = dept.name if dept else ""
            data = invoice_pdf(row, list(row.lines), department=name, lang=lang)
    if output is None:
        if fmt == "pdf":
            raise fail("output: a PDF needs -o FILE")
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        console.print(f"wrote {output}")


@app.command("export")
def export(
    first: Annotated[str, typer.Argument(help="First month, YYYY-MM.")],
    last: Annotated[str | None, typer.Argument(help="Last month (default: first).")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", help="File to write (default stdout)")
    ] = None,
) -> None:
    """FOCUS 1.0 CSV of the invoices of the months first … last."""
    months = months_between(_month(first), _month(last or first))
    with session_scope() as session:
        data = to_csv(focus_rows(session, months=months, scope=Scope.everything()))
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        console.print(f"wrote {output}")

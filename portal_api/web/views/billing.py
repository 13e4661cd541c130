"""Billing pages: a department's bills (chart by service, downloads), finance's month-end
close, invoices, credit notes, budgets and reconciliation, and a provider's settlements."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import select
from starlette.responses import Response

from billing.costs.charts import stacked_bars
from billing.costs.service import cost_report, rule_from_settings
from billing.invoices import budgets
from billing.invoices import jobs as close_jobs
from billing.invoices.models import BillingPeriod
from billing.invoices.render import canonical_csv, invoice_pdf, service_label, yuan
from billing.invoices.service import get_invoice, list_invoices, month_start
from billing.settlements.service import list_settlements
from infra.jobs.service import submit_job
from infra.tenancy.models import Department
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web.auth import CheckedForm, Need, Viewer
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter(prefix="/billing")

BillReader = Annotated[Viewer, Depends(Need(Permission.BILLING_READ))]
BillWriter = Annotated[Viewer, Depends(Need(Permission.BILLING_WRITE))]
SettlementViewer = Annotated[Viewer, Depends(Need(Permission.SETTLEMENT_READ))]
CostViewer = Annotated[Viewer, Depends(Need(Permission.COST_READ))]


def _lang(viewer: Viewer) -> str:
    return "en" if viewer.locale == "en" else "zh-CN"


def _dept_names(session: SessionDep, viewer: Viewer) -> dict[int, str]:
    en = viewer.locale == "en"
    return {
        d.id: (d.name_en or d.name) if en else d.name for d in session.scalars(select(Department))
    }


@router.get("", response_class=HTMLResponse)
def bills(request: Request, session: SessionDep, viewer: BillReader) -> Response:
    """The viewer's visible bills, newest first, and their charges by service over months."""
    invoices = list_invoices(session, scope=viewer.scope)
    months = sorted({i.month for i in invoices})[-12:]
    sums: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for inv in invoices:
        for line in inv.lines:
            sums[service_label(line.service, _lang(viewer))][inv.month] += line.amount
    chart = stacked_bars(
        [f"{m:%Y-%m}" for m in months],
        {name: [by[m] for m in months] for name, by in sorted(sums.items())},
        title=gettext_for(request)("Charges by service"),
    )
    context = {
        "invoices": invoices,
        "names": _dept_names(session, viewer),
        "chart": Markup(chart),  # noqa: S704 -- built by our own SVG writer, every text escaped
        "yuan": yuan,
    }
    return render(request, "billing/bills.html", context, viewer=viewer)


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(
    request: Request, session: SessionDep, viewer: BillReader, invoice_id: int
) -> Response:
    invoice = get_invoice(session, invoice_id=invoice_id, scope=viewer.scope)
    context = {
        "invoice": invoice,
        "names": _dept_names(session, viewer),
        "yuan": yuan,
        "service": lambda code: service_label(code, _lang(viewer)),
    }
    return render(request, "billing/invoice.html", context, viewer=viewer)


@router.get("/invoices/{invoice_id}/download")
def download(
    session: SessionDep, viewer: BillReader, invoice_id: int, format: str = "csv"
) -> Response:
    invoice = get_invoice(session, invoice_id=invoice_id, scope=viewer.scope)
    if format == "pdf":
        name = _dept_names(session, viewer).get(invoice.department_id, "")
        data = invoice_pdf(invoice, list(invoice.lines), department=name, lang=_lang(viewer))
        media, ext = "application/pdf", "pdf"
    else:
        data, media, ext = canonical_csv(invoice, list(invoice.lines)), "text/csv", "csv"
    headers = {"Content-Disposition": f'attachment; filename="{invoice.number}.{ext}"'}
    return Response(data, media_type=media, headers=headers)


@router.get("/finance", response_class=HTMLResponse)
def finance(request: Request, session: SessionDep, viewer: BillWriter) -> Response:
    """Month-end close, every invoice and credit note, budgets and the reconciliation."""
    periods = list(session.scalars(select(BillingPeriod).order_by(BillingPeriod.month.desc())))
    last = periods[0].month if periods else None
    costs = cost_report(session, months=[last], scope=viewer.scope) if last else []
    today = dt.datetime.now(dt.UTC).date()
    previous = (month_start(today) - dt.timedelta(days=1)).replace(day=1)
    context: dict[str, Any] = {
        "periods": periods,
        "invoices": list_invoices(session, scope=viewer.scope),
        "budgets": budgets.list_budgets(session, scope=viewer.scope),
        "alerts": budgets.list_alerts(session, scope=viewer.scope),
        "costs": costs,
        "rule": rule_from_settings(session),
        "names": _dept_names(session, viewer),
        "yuan": yuan,
        "suggested": f"{previous:%Y-%m}",
    }
    return render(request, "billing/finance.html", context, viewer=viewer)


@router.post("/finance/close")
def close(request: Request, session: SessionDep, viewer: BillWriter, form: CheckedForm) -> Response:
    raw = str(form.get("month") or "")
    try:
        month = dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        return redirect(request, "/billing/finance", "Enter a month as YYYY-MM.", kind="info")
    job = submit_job(
        session,
        kind=close_jobs.CLOSE_KIND,
        title=f"Close {month:%Y-%m}",
        params={"month": month.isoformat(), "actor": viewer.username},
        actor=viewer.actor,
    )
    return redirect(request, f"/jobs/{job.id}", "The month-end close was started.")


@router.get("/settlements", response_class=HTMLResponse)
def settlements(request: Request, session: SessionDep, viewer: SettlementViewer) -> Response:
    from infra.inventory.models import Provider

    providers = {p.id: p.name for p in session.scalars(select(Provider))}
    context = {
        "settlements": list_settlements(session, scope=viewer.scope),
        "providers": providers,
        "yuan": yuan,
    }
    return render(request, "billing/settlements.html", context, viewer=viewer)

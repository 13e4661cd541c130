"""Billing pages: a department's bills (chart by service, downloads), finance's month-end
close, invoices, credit notes, budgets and reconciliation, and a provider's settlements."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import select
from starlette.responses import Response

from billing.costs.charts import stacked_bars
from billing.costs.service import cost_report, rule_from_settings
from billing.invoices import budgets
from billing.invoices import jobs as close_jobs
from billing.invoices import queries as invoice_queries
from billing.invoices.enums import AlertBasis
from billing.invoices.flows import check_closable
from billing.invoices.models import BillingPeriod
from billing.invoices.render import canonical_csv, invoice_pdf, service_label
from billing.invoices.service import get_invoice, list_invoices, month_start
from billing.settlements.service import list_settlements
from infra.inventory.models import Provider
from infra.jobs.service import submit_job
from infra.tenancy.models import Department
from portal_api.deps import SessionDep
from portal_api.web import access, i18n
from portal_api.web.auth import CheckedForm, Viewer
from portal_api.web.listing import department_choices, english, list_response
from portal_api.web.lists import visible_departments
from portal_api.web.render import gettext_for, locale_for, redirect, render

router = APIRouter(prefix="/billing")


def _lang(viewer: Viewer) -> str:
    return "en" if viewer.locale == "en" else "zh-CN"


def _dept_names(session: SessionDep, viewer: Viewer) -> dict[int, str]:
    return {d.id: i18n.local_name(d, viewer.locale) for d in session.scalars(select(Department))}


def _provider_names(session: SessionDep, viewer: Viewer) -> dict[int, str]:
    return {p.id: i18n.local_name(p, viewer.locale) for p in session.scalars(select(Provider))}


@router.get("", response_class=HTMLResponse)
def bills(request: Request, session: SessionDep, viewer: access.BillingRead) -> Response:
    """The viewer's visible bills, newest first, their charges by service over months, and
    the budget alerts raised for the viewer's department (all visible ones for finance)."""
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
    departments = visible_departments(session, viewer.scope)
    return list_response(
        request,
        session,
        invoice_queries.invoices_list(english=english(request)),
        invoice_queries.invoices(viewer.scope),
        template="billing/bills.html",
        path="/billing",
        context={
            "chart": Markup(chart),  # noqa: S704 -- our own SVG writer escapes every text
            "alerts": budgets.list_alerts(session, scope=viewer.scope),
            "basis": AlertBasis,
            "names": _dept_names(session, viewer),
        },
        options={"department_id": department_choices(request, departments)},
        links={"number": "/billing/invoices/{row.id}"},
        formats={
            "total": lambda amount: i18n.format_money(amount, locale_for(request, viewer)),
            "month": lambda month: f"{month:%Y-%m}",
        },
    )


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(
    request: Request, session: SessionDep, viewer: access.BillingRead, invoice_id: int
) -> Response:
    invoice = get_invoice(session, invoice_id=invoice_id, scope=viewer.scope)
    context = {
        "invoice": invoice,
        "names": _dept_names(session, viewer),
        "service": lambda code: service_label(code, _lang(viewer)),
    }
    return render(request, "billing/invoice.html", context, viewer=viewer)


@router.get("/invoices/{invoice_id}/download")
def download(
    session: SessionDep, viewer: access.BillingRead, invoice_id: int, format: str = "csv"
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
def finance(request: Request, session: SessionDep, viewer: access.BillingWrite) -> Response:
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
        "basis": AlertBasis,
        "costs": costs,
        "rule": rule_from_settings(session),
        "names": _dept_names(session, viewer),
        "providers": _provider_names(session, viewer),
        "suggested": f"{previous:%Y-%m}",
    }
    return render(request, "billing/finance.html", context, viewer=viewer)


@router.post("/finance/close")
def close(
    request: Request, session: SessionDep, viewer: access.BillingWrite, form: CheckedForm
) -> Response:
    raw = str(form.get("month") or "")
    try:
        month = dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        return redirect(request, "/billing/finance", "Enter a month as YYYY-MM.", kind="info")
    check_closable(month)  # a month that has not ended is refused here, in the page's language
    job = submit_job(
        session,
        kind=close_jobs.CLOSE_KIND,
        title=f"Close {month:%Y-%m}",
        params={"month": month.isoformat(), "actor": viewer.username},
        actor=viewer.actor,
    )
    return redirect(request, f"/jobs/{job.id}", "The month-end close was started.")


@router.get("/settlements", response_class=HTMLResponse)
def settlements(request: Request, session: SessionDep, viewer: access.SettlementRead) -> Response:
    context = {
        "settlements": list_settlements(session, scope=viewer.scope),
        "providers": _provider_names(session, viewer),
    }
    return render(request, "billing/settlements.html", context, viewer=viewer)

"""Billing API: rate cards, invoices and credit notes, month-end close, budgets, settlements,
cost accounting and the FOCUS export.  Thin: every rule lives in billing/."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import select

from billing.costs.charts import stacked_bars
from billing.costs.service import cost_report, quarter_months
from billing.focus.service import focus_rows, months_between, to_csv
from billing.invoices import budgets
from billing.invoices import jobs as _close_jobs
from billing.invoices import queries as invoice_queries
from billing.invoices.models import BillingPeriod
from billing.invoices.render import canonical_csv, invoice_pdf, service_label
from billing.invoices.schemas import (
    BudgetSet,
    CloseRequest,
    CreditNoteCreate,
    InvoiceDetail,
    InvoiceRead,
)
from billing.invoices.service import get_invoice, issue_credit_note, list_invoices
from billing.ratecards import service as ratecards
from billing.ratecards.schemas import RateCardVersionCreate, RateCardVersionRead
from billing.settlements.schemas import SettlementRead
from billing.settlements.service import list_settlements
from infra import listing
from infra.errors import InvalidInput
from infra.jobs.schemas import JobAccepted
from infra.jobs.service import submit_job
from infra.listing import ListParams
from infra.tenancy.models import Department
from portal_api import access
from portal_api.deps import (
    SessionDep,
)
from portal_api.listing import api_params

router = APIRouter(prefix="/billing", tags=["billing"])


@router.get("/rate-cards", response_model=list[RateCardVersionRead])
def list_rate_cards(
    session: SessionDep, principal: access.BillingRead
) -> list[RateCardVersionRead]:
    return [RateCardVersionRead.model_validate(v) for v in ratecards.list_versions(session)]


@router.post("/rate-cards", response_model=RateCardVersionRead, status_code=status.HTTP_201_CREATED)
def create_rate_card(
    session: SessionDep, principal: access.BillingWrite, data: RateCardVersionCreate
) -> RateCardVersionRead:
    row = ratecards.create_version(session, data=data, actor=principal.actor)
    return RateCardVersionRead.model_validate(row)


@router.get("/invoices", response_model=list[InvoiceRead])
def invoices(
    session: SessionDep,
    principal: access.BillingRead,
    params: Annotated[
        ListParams, Depends(api_params(invoice_queries.invoices_list(), default_limit=500))
    ],
) -> list[InvoiceRead]:
    """Invoices and credit notes the caller sees, newest month first unless sorted."""
    spec = invoice_queries.invoices_list()
    found = listing.run(session, spec, invoice_queries.invoices(principal.scope), params)
    return [InvoiceRead.model_validate(row.entity) for row in found.rows]


@router.get("/invoices/{invoice_id}", response_model=InvoiceDetail)
def invoice(session: SessionDep, principal: access.BillingRead, invoice_id: int) -> InvoiceDetail:
    return InvoiceDetail.model_validate(
        get_invoice(session, invoice_id=invoice_id, scope=principal.scope)
    )


@router.get("/invoices/{invoice_id}/csv")
def invoice_csv(session: SessionDep, principal: access.BillingRead, invoice_id: int) -> Response:
    """The canonical CSV: the bytes whose SHA-256 is in the audit log."""
    row = get_invoice(session, invoice_id=invoice_id, scope=principal.scope)
    return Response(
        canonical_csv(row, list(row.lines)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{row.number}.csv"'},
    )


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf_download(
    session: SessionDep,
    principal: access.BillingRead,
    invoice_id: int,
    lang: Annotated[str, Query(pattern="^(zh-CN|en)$")] = "zh-CN",
) -> Response:
    row = get_invoice(session, invoice_id=invoice_id, scope=principal.scope)
    dept = session.get(Department, row.department_id)
    name = (dept.name if lang == "zh-CN" else dept.name_en or dept.name) if dept else ""
    return Response(
        invoice_pdf(row, list(row.lines), department=name, lang=lang),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{row.number}.pdf"'},
    )


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response_model=InvoiceDetail,
    status_code=status.HTTP_201_CREATED,
)
def credit_note(
    session: SessionDep, principal: access.BillingWrite, invoice_id: int, data: CreditNoteCreate
) -> InvoiceDetail:
    note = issue_credit_note(session, invoice_id=invoice_id, data=data, actor=principal.actor)
    return InvoiceDetail.model_validate(note)


@router.post("/close", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def close(session: SessionDep, principal: access.BillingWrite, data: CloseRequest) -> JobAccepted:
    """Close a month as a job (idempotent: a closed month returns its summary again)."""
    job = submit_job(
        session,
        kind=_close_jobs.CLOSE_KIND,
        title=f"Close {data.month:%Y-%m}",
        params={"month": data.month.replace(day=1).isoformat(), "actor": principal.actor.username},
        actor=principal.actor,
    )
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        url=f"/api/v1/jobs/{job.id}",
        events_url=f"/api/v1/jobs/{job.id}/stream",
    )


@router.get("/budgets")
def list_budgets(session: SessionDep, principal: access.BillingRead) -> list[dict[str, Any]]:
    rows = budgets.list_budgets(session, scope=principal.scope)
    alerts = budgets.list_alerts(session, scope=principal.scope)
    return [
        {
            "department_id": b.department_id,
            "monthly_amount": str(b.monthly_amount),
            "alerts": [
                {"month": a.month.isoformat(), "threshold": a.threshold, "spent": str(a.spent)}
                for a in alerts
                if a.budget_id == b.id
            ],
        }
        for b in rows
    ]


@router.put("/budgets/{department_id}")
def set_budget(
    session: SessionDep, principal: access.BillingWrite, department_id: int, data: BudgetSet
) -> dict[str, Any]:
    if session.get(Department, department_id) is None:
        raise InvalidInput.one("department_id", f"no department {department_id}")
    row = budgets.set_budget(
        session,
        department_id=department_id,
        monthly_amount=data.monthly_amount,
        actor=principal.actor,
    )
    return {"department_id": row.department_id, "monthly_amount": str(row.monthly_amount)}


@router.get("/settlements", response_model=list[SettlementRead])
def settlements(
    session: SessionDep, principal: access.SettlementRead, month: dt.date | None = None
) -> list[SettlementRead]:
    rows = list_settlements(session, scope=principal.scope, month=month)
    return [SettlementRead.model_validate(r) for r in rows]


def _months(year: int, quarter: int | None, month: int | None) -> list[dt.date]:
    if month is not None:
        return [dt.date(year, month, 1)]
    return quarter_months(year, quarter or 1)


@router.get("/costs")
def costs(
    session: SessionDep,
    principal: access.CostRead,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
) -> list[dict[str, Any]]:
    """Each provider's cost against recovered charges, and who bears it, per month."""
    report = cost_report(session, months=_months(year, quarter, month), scope=principal.scope)
    return [
        {
            "provider_id": c.provider_id,
            "month": c.month.isoformat(),
            "contract_fee": str(c.contract_fee),
            "variable_cost": str(c.variable_cost),
            "total_cost": str(c.total_cost),
            "recovered": str(c.recovered),
            "utilisation": str(c.utilisation),
            "shares": {str(k): str(v) for k, v in c.shares.items()},
            "unallocated": str(c.unallocated),
            "variable_by_zone": {k: str(v) for k, v in c.variable_by_zone.items()},
            "rule": c.rule,
        }
        for c in report
    ]


@router.get("/charts/by-service.svg", responses={200: {"content": {"image/svg+xml": {}}}})
def chart_by_service(
    session: SessionDep,
    principal: access.BillingRead,
    department_id: int | None = None,
    lang: Annotated[str, Query(pattern="^(zh-CN|en)$")] = "zh-CN",
) -> Response:
    """A department's (or every visible department's) charges by service over months."""
    rows = list_invoices(session, scope=principal.scope, department_id=department_id)
    months = sorted({r.month for r in rows})
    sums: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for inv in rows:
        for line in inv.lines:
            sums[service_label(line.service, lang)][inv.month] += line.amount
    series = {name: [by[m] for m in months] for name, by in sorted(sums.items())}
    svg = stacked_bars([f"{m:%Y-%m}" for m in months], series, title="by service")
    return Response(svg, media_type="image/svg+xml")


@router.get("/export/focus", responses={200: {"content": {"text/csv": {}}}})
def export_focus(
    session: SessionDep,
    principal: access.BillingExport,
    first: dt.date,
    last: dt.date,
) -> Response:
    """FOCUS 1.0 CSV of the invoices of the months ``first`` … ``last`` in the caller's scope."""
    if last < first:
        raise InvalidInput.one("last", "must not be before first")
    if (last.year - first.year) * 12 + last.month - first.month > 36:
        raise InvalidInput.one("last", "at most 36 months per export")
    months = months_between(first, last)
    data = to_csv(focus_rows(session, months=months, scope=principal.scope))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="focus.csv"'},
    )


@router.get("/months")
def closed(session: SessionDep, principal: access.BillingRead) -> list[dict[str, Any]]:
    """Billing periods and their close summaries."""
    rows = session.scalars(select(BillingPeriod).order_by(BillingPeriod.month.desc()))
    return [
        {"month": p.month.isoformat(), "status": p.status.value, "closed_at": p.closed_at}
        for p in rows
    ]

"""FOCUS 1.0 export of department invoices (SubAccount = department), and our own checks.

One row per invoice line; BilledCost is the line's amount, so BilledCost per billing period and
department equals the invoices by construction — :func:`check_rows` verifies it anyway, with
ChargeCategory values and ListCost = ListUnitPrice × PricingQuantity, which focus-validator
1.0.0 does not check.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billing.invoices.enums import LineCategory
from billing.invoices.models import Invoice, InvoiceLine
from billing.invoices.render import quantity_hours
from billing.invoices.service import month_bounds, next_month
from billing.ratecards.enums import SERVICE_LABELS, ServiceType, Unit
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope

COLUMNS = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
]
CHARGE_CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
ISSUER = "City Government Cloud Office"
ACCOUNT_ID, ACCOUNT_NAME = "govcloud-city", "City shared government cloud"
PRICING_UNITS = {
    Unit.VCPU_HOUR: "vCPU-Hours",
    Unit.GIB_HOUR: "GiB-Hours",
    Unit.GPU_HOUR: "GPU-Hours",
    Unit.SERVER_HOUR: "Server-Hours",
    Unit.INSTANCE_HOUR: "Instance-Hours",
    Unit.IP_HOUR: "IP-Hours",
    Unit.MBPS_HOUR: "Mbps-Hours",
    Unit.GB: "GB",
}
_CATEGORY = {
    LineCategory.USAGE: ("Usage", "", "Usage-Based"),
    LineCategory.FIXED: ("Purchase", "", "Recurring"),
    LineCategory.RESERVED: ("Purchase", "", "Recurring"),
    LineCategory.ADJUSTMENT: ("Adjustment", "Correction", "One-Time"),
    LineCategory.CREDIT: ("Credit", "Correction", "One-Time"),
}


def _z(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(invoice: Invoice, line: InvoiceLine, dept: Department) -> dict[str, str]:
    category, charge_class, frequency = _CATEGORY[line.category]
    b_start, b_end = month_bounds(invoice.month)
    c_start, c_end = month_bounds(line.usage_month)
    service = ServiceType(line.service)
    amount = f"{line.amount:.2f}"
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        AvailabilityZone=line.zone,
        BilledCost=amount,
        BillingAccountId=ACCOUNT_ID,
        BillingAccountName=ACCOUNT_NAME,
        BillingCurrency=invoice.currency,
        BillingPeriodStart=_z(b_start),
        BillingPeriodEnd=_z(b_end),
        ChargeCategory=category,
        ChargeClass=charge_class,
        ChargeDescription=f"{invoice.number} #{line.position}: {line.description}",
        ChargeFrequency=frequency,
        ChargePeriodStart=_z(c_start),
        ChargePeriodEnd=_z(c_end),
        ContractedCost=amount,
        EffectiveCost=amount,
        InvoiceIssuerName=ISSUER,
        ListCost=amount,
        ProviderName=ISSUER,
        PublisherName=ISSUER,
        RegionId="city",
        RegionName="City",
        ServiceCategory=service.category,
        ServiceName=SERVICE_LABELS[service][1],
        SkuId=service.value,
        SubAccountId=dept.code,
        SubAccountName=dept.name_en or dept.name,
    )
    if line.category in (LineCategory.USAGE, LineCategory.RESERVED):
        hours = f"{quantity_hours(line)}"
        unit = PRICING_UNITS[Unit(line.unit)]
        price = f"{line.unit_price:.6f}"
        row.update(
            ConsumedQuantity=hours,
            ConsumedUnit=unit,
            PricingQuantity=hours,
            PricingUnit=unit,
            ListUnitPrice=price,
            ContractedUnitPrice=price,
            PricingCategory="Standard",
            SkuPriceId=f"v{line.version_id}-{line.service}-{line.zone}-t{line.tier}",
        )
    elif line.category is LineCategory.FIXED:
        price = f"{line.unit_price:.6f}"
        row.update(
            PricingQuantity="1",
            PricingUnit="Months",
            ListUnitPrice=price,
            ContractedUnitPrice=price,
            PricingCategory="Standard",
            SkuPriceId=f"v{line.version_id}-{line.service}-{line.zone}-fixed",
        )
    return row


def focus_rows(
    session: Session, *, months: Sequence[dt.date], scope: Scope
) -> list[dict[str, str]]:
    """FOCUS rows for the invoices and credit notes of ``months`` visible in ``scope``."""
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.month.in_(list(months)), scope.where(Invoice.department_id))
        .options(selectinload(Invoice.lines))
        .order_by(Invoice.month, Invoice.number)
    )
    depts = {d.id: d for d in session.scalars(select(Department))}
    return [
        _row(invoice, line, depts[invoice.department_id])
        for invoice in invoices
        for line in invoice.lines
    ]


def to_csv(rows: Sequence[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def check_rows(
    rows: Sequence[dict[str, str]], invoice_totals: dict[tuple[str, str], Decimal]
) -> list[str]:
    """Our stricter checks; returns the problems (empty when the export is sound).

    ``invoice_totals``: (BillingPeriodStart, SubAccountId) -> Σ invoice totals."""
    problems = []
    billed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for n, row in enumerate(rows, start=1):
        if row["ChargeCategory"] not in CHARGE_CATEGORIES:
            problems.append(f"row {n}: ChargeCategory {row['ChargeCategory']!r}")
        if row["ListUnitPrice"] and row["PricingQuantity"]:
            product = Decimal(row["ListUnitPrice"]) * Decimal(row["PricingQuantity"])
            # PricingQuantity is hours to 6 decimals of exact minutes/60: allow that error.
            slack = Decimal("0.005") + Decimal(row["ListUnitPrice"]) * Decimal("0.0000005")
            if abs(Decimal(row["ListCost"]) - product) > slack:
                problems.append(f"row {n}: ListCost {row['ListCost']} ≠ {product}")
        billed[(row["BillingPeriodStart"], row["SubAccountId"])] += Decimal(row["BilledCost"])
    for key in sorted(set(billed) | set(invoice_totals)):
        if billed.get(key, Decimal(0)) != invoice_totals.get(key, Decimal(0)):
            problems.append(
                f"{key}: BilledCost {billed.get(key)} ≠ invoices {invoice_totals.get(key)}"
            )
    return problems


def invoice_totals(
    session: Session, *, months: Sequence[dt.date], scope: Scope
) -> dict[tuple[str, str], Decimal]:
    """Σ invoice and credit-note totals per (BillingPeriodStart, department code)."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    query = (
        select(Invoice.month, Department.code, Invoice.total)
        .join(Department, Department.id == Invoice.department_id)
        .where(Invoice.month.in_(list(months)), scope.where(Invoice.department_id))
    )
    for month, code, total in session.execute(query):
        out[(_z(month_bounds(month)[0]), code)] += total
    return dict(out)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], first.replace(day=1)
    while m <= last:
        out.append(m)
        m = next_month(m)
    return out

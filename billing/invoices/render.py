"""An invoice's canonical CSV (hashed, and the download) and its localized PDF.

The canonical CSV is a pure function of the stored rows, so a closed month re-rendered gives
the same bytes, and the hash in the audit log can be checked at any time.
"""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal

from billing.invoices.enums import CATEGORY_LABELS, KIND_LABELS
from billing.invoices.models import Invoice, InvoiceLine
from billing.ratecards.enums import SERVICE_LABELS, ServiceType

CSV_HEADER = (
    "invoice",
    "kind",
    "department_id",
    "month",
    "position",
    "usage_month",
    "category",
    "service",
    "zone",
    "version_id",
    "tier",
    "quantity_minutes",
    "unit",
    "unit_price",
    "amount",
    "description",
)


def quantity_hours(line: InvoiceLine) -> Decimal:
    return (Decimal(line.quantity_minutes) / 60).quantize(Decimal("0.000001"))


def canonical_csv(invoice: Invoice, lines: list[InvoiceLine]) -> bytes:
    """The invoice as CSV (UTF-8, LF line ends, fixed column order, amounts to the fen)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for line in sorted(lines, key=lambda x: x.position):
        writer.writerow(
            (
                invoice.number,
                invoice.kind.value,
                invoice.department_id,
                f"{invoice.month:%Y-%m}",
                line.position,
                f"{line.usage_month:%Y-%m}",
                line.category.value,
                line.service,
                line.zone,
                line.version_id if line.version_id is not None else "",
                line.tier,
                line.quantity_minutes,
                line.unit,
                f"{line.unit_price:.6f}",
                f"{line.amount:.2f}",
                line.description,
            )
        )
    writer.writerow(
        ("total", "", "", "", "", "", "", "", "", "", "", "", "", "", f"{invoice.total:.2f}", "")
    )
    return out.getvalue().encode("utf-8")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def yuan(amount: Decimal) -> str:
    """¥ with thousands separators, to the fen: ¥1,234,567.80 (negative: -¥12.00)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def service_label(code: str, lang: str) -> str:
    try:
        zh, en = SERVICE_LABELS[ServiceType(code)]
    except ValueError:
        return code
    return zh if lang.startswith("zh") else en


def invoice_html(invoice: Invoice, lines: list[InvoiceLine], *, department: str, lang: str) -> str:
    """The printable invoice page (the PDF's source), in zh-CN or en."""
    from html import escape

    zh = lang.startswith("zh")
    kind = KIND_LABELS[invoice.kind][0 if zh else 1]
    heads = (
        ("序号", "用量月份", "类别", "服务", "网络区域", "数量(小时)", "单价", "金额")
        if zh
        else ("#", "Usage month", "Category", "Service", "Zone", "Hours", "Unit price", "Amount")
    )
    rows = "".join(
        "<tr>"
        f"<td>{line.position}</td><td>{line.usage_month:%Y-%m}</td>"
        f"<td>{escape(CATEGORY_LABELS[line.category][0 if zh else 1])}</td>"
        f"<td>{escape(service_label(line.service, lang))}</td><td>{escape(line.zone)}</td>"
        f"<td class=n>{quantity_hours(line)}</td><td class=n>{line.unit_price:.6f}</td>"
        f"<td class=n>{yuan(line.amount)}</td></tr>"
        for line in lines
    )
    title = f"{kind} {invoice.number}"
    total = "合计" if zh else "Total"
    month = "账期" if zh else "Month"
    dept = "部门" if zh else "Department"
    return (
        f"<!doctype html><html lang='{'zh-CN' if zh else 'en'}'><head><meta charset='utf-8'>"
        "<style>body{font-family:'WenQuanYi Micro Hei',sans-serif;font-size:10pt}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:2px 4px}"
        ".n{text-align:right}</style>"
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"<p>{dept}: {escape(department)} · {month}: {invoice.month:%Y-%m}</p>"
        f"<table><tr>{''.join(f'<th>{h}</th>' for h in heads)}</tr>{rows}"
        f"<tr><th colspan=7>{total}</th><th class=n>{yuan(invoice.total)}</th></tr></table>"
        f"<p>SHA-256: {invoice.content_hash}</p></body></html>"
    )


def invoice_pdf(invoice: Invoice, lines: list[InvoiceLine], *, department: str, lang: str) -> bytes:
    """The invoice as PDF through WeasyPrint (CJK glyphs from fonts-wqy-microhei)."""
    from weasyprint import HTML

    pdf: bytes = HTML(
        string=invoice_html(invoice, lines, department=department, lang=lang)
    ).write_pdf()
    return pdf

"""Vocabulary of invoices; (zh-CN, en) labels beside the values."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class LineCategory(StrEnum):
    """What a line charges for; maps to FOCUS ChargeCategory in ``focus/service.py``."""

    USAGE = "usage"  # metered unit-hours
    FIXED = "fixed"  # a price line's fixed monthly part
    ADJUSTMENT = "adjustment"  # late usage of an already-invoiced month
    RESERVED = "reserved"  # quota reserved but unused (optional)
    CREDIT = "credit"  # a credit note's correction


class AlertBasis(StrEnum):
    """What a budget alert's ``spent`` summed."""

    INVOICED = "invoiced"  # the month's invoices, at month-end close
    MONTH_TO_DATE = "month_to_date"  # the month so far, rated by the daily watch


ALERT_BASIS_LABELS: Final[dict[AlertBasis, str]] = labelled(
    {
        AlertBasis.INVOICED: N_("Invoiced"),
        AlertBasis.MONTH_TO_DATE: N_("Month to date"),
    }
)


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


KIND_LABELS = {
    InvoiceKind.INVOICE: ("账单", "Invoice"),
    InvoiceKind.CREDIT_NOTE: ("红字冲销单", "Credit note"),
}
CATEGORY_LABELS = {
    LineCategory.USAGE: ("用量", "Usage"),
    LineCategory.FIXED: ("固定费", "Fixed fee"),
    LineCategory.ADJUSTMENT: ("补计调整", "Late-usage adjustment"),
    LineCategory.RESERVED: ("预留未用配额", "Reserved unused quota"),
    LineCategory.CREDIT: ("冲销", "Credit"),
}

"""Invoice errors."""

from __future__ import annotations

import datetime as dt

from infra.errors import Conflict, GovcloudError


class InvoiceImmutable(GovcloudError):
    """An issued invoice was about to be changed: corrections are credit notes."""

    code = "billing.invoice.immutable"

    def __init__(self, invoice_id: object) -> None:
        self.invoice_id = invoice_id
        super().__init__(f"invoice {invoice_id} is issued and cannot change; issue a credit note")


class PeriodNotOver(Conflict):
    code = "billing.period.not_over"

    def __init__(self, month: dt.date) -> None:
        self.month = month
        super().__init__("month", f"{month:%Y-%m} has not ended yet")

"""Invoice errors."""

from __future__ import annotations

import datetime as dt

from infra.errors import Conflict, GovcloudError, says
from infra.labels import N_


class InvoiceImmutable(GovcloudError):
    """An issued invoice was about to be changed: corrections are credit notes."""

    code = says(
        "billing.invoice.immutable",
        N_("Invoice %(invoice_id)s is issued and cannot change: issue a credit note."),
    )

    def __init__(self, invoice_id: object) -> None:
        self.invoice_id = invoice_id
        super().__init__(
            f"invoice {invoice_id} is issued and cannot change; issue a credit note",
            params={"invoice_id": str(invoice_id)},
        )


class PeriodNotOver(Conflict):
    """A month is closed once it has ended."""

    code = says(
        "billing.period.not_over",
        N_("%(month)s has not ended yet: close it after its last day."),
    )

    def __init__(self, month: dt.date) -> None:
        self.month = month
        super().__init__(
            "month", f"{month:%Y-%m} has not ended yet", params={"month": f"{month:%Y-%m}"}
        )


ONLY_INVOICES_CREDITED = says(
    "only_invoices_credited", N_("Only an invoice can be credited, not a credit note.")
)

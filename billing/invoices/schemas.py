"""Invoice input and output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from billing.invoices.enums import InvoiceKind, LineCategory


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("floats are refused: write the amount as a decimal string")
    return value


PositiveMoney = Annotated[
    Decimal, BeforeValidator(_no_float), Field(gt=0, max_digits=14, decimal_places=2)
]


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: int = Field(gt=0)
    amount: PositiveMoney


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)
    lines: list[CreditLineIn] = Field(min_length=1, max_length=100)


class BudgetSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monthly_amount: PositiveMoney


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: dt.date


class InvoiceLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    usage_month: dt.date
    category: LineCategory
    service: str
    zone: str
    version_id: int | None
    tier: int
    quantity_minutes: int
    unit: str
    unit_price: Decimal
    amount: Decimal
    description: str


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    department_id: int
    month: dt.date
    kind: InvoiceKind
    corrects_id: int | None
    currency: str
    total: Decimal
    content_hash: str
    reason: str | None
    issued_at: dt.datetime


class InvoiceDetail(InvoiceRead):
    lines: list[InvoiceLineRead]

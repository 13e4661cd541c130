"""Billing periods, department invoices and credit notes, budgets and their alerts.

An issued invoice is immutable: its rows refuse UPDATE and DELETE in the ORM (below), its
content hash (SHA-256 of its canonical CSV) is recorded in the audit log, and a correction is a
credit note that points at it.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from billing.invoices.enums import InvoiceKind, LineCategory, PeriodStatus
from billing.invoices.exceptions import InvoiceImmutable
from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column


class BillingPeriod(Base):
    """A calendar month (local): open until month-end close, then closed for good."""

    __tablename__ = "billing_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, unique=True)  # first day, local
    status: Mapped[PeriodStatus] = mapped_column(
        enum_column(PeriodStatus), default=PeriodStatus.OPEN
    )
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # When its measured usage was last recorded (``invoices/measured.py``); None: closed
    # before billing kept that record.
    measured_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("department_id", "month", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    month: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind))
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # credit notes: 1, 2, …
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    content_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    usage_month: Mapped[dt.date] = mapped_column(Date)  # the month the usage happened in
    category: Mapped[LineCategory] = mapped_column(enum_column(LineCategory))
    service: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str] = mapped_column(String(20))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("rate_card_versions.id", ondelete="RESTRICT")
    )
    tier: Mapped[int] = mapped_column(Integer, default=0)
    quantity_minutes: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[decimal.Decimal] = mapped_column(Exact(16, 6))
    amount: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    description: Mapped[str] = mapped_column(String(300))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Budget(Base):
    __tablename__ = "budgets"
    __table_args__ = (CheckConstraint("monthly_amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), unique=True
    )
    monthly_amount: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class BudgetAlert(Base):
    """A threshold (80 or 100 %) crossed in a month; raised once."""

    __tablename__ = "budget_alerts"
    __table_args__ = (UniqueConstraint("budget_id", "month", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    month: Mapped[dt.date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    spent: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    # What ``spent`` summed: "invoiced" (month-end close) or "month_to_date" (the daily watch).
    basis: Mapped[str] = mapped_column(String(20), default="invoiced")
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


@event.listens_for(Invoice, "before_update")
@event.listens_for(Invoice, "before_delete")
@event.listens_for(InvoiceLine, "before_update")
@event.listens_for(InvoiceLine, "before_delete")
def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise InvoiceImmutable(getattr(target, "invoice_id", None) or target.id)

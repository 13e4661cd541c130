"""Provider settlements: what the office owes each provider for a month, grade-adjusted."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, Exact, UTCDateTime, utcnow


class Settlement(Base):
    __tablename__ = "settlements"
    __table_args__ = (UniqueConstraint("provider_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    month: Mapped[dt.date] = mapped_column(Date, index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026Q4"
    contract_fee: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    fee_factor: Mapped[decimal.Decimal] = mapped_column(Exact(8, 4))
    factor_reason: Mapped[str] = mapped_column(Text)
    adjusted_fee: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    variable_cost: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    amount: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Rate cards: effective-dated versions of price lines, each line with graduated tiers.

A version belongs to the charge side (what departments pay; ``provider_id`` empty) or to one
provider's cost side (its contract prices).  Versions of one side and provider never overlap in
time — checked by the service under a lock, since a constraint can't say it on both backends.
Issued versions are never edited: a price change is a new version.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.ratecards.enums import CardSide, ServiceType, Unit, UsageBasis
from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.inventory.enums import NetworkZone


class RateCardVersion(Base):
    __tablename__ = "rate_card_versions"
    __table_args__ = (
        Unique("side", "provider_key", "version"),
        CheckConstraint(
            "effective_to IS NULL OR effective_to > effective_from", name="effective_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[CardSide] = mapped_column(enum_column(CardSide))
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    # 0 for the charge side: a unique key that NULL can't give on every backend.
    provider_key: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    # {"internet": "1.20"}: multipliers of the every-zone lines, as decimal strings.
    zone_multipliers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list[RateLine]] = relationship(
        back_populates="version_row", order_by="RateLine.id", cascade="all, delete-orphan"
    )

    def multipliers(self) -> dict[str, decimal.Decimal]:
        return {zone: decimal.Decimal(str(v)) for zone, v in self.zone_multipliers.items()}


class RateLine(Base):
    __tablename__ = "rate_lines"
    __table_args__ = (
        CheckConstraint("fixed_monthly >= 0", name="fixed_not_negative"),
        Unique("version_id", "service", "zone_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("rate_card_versions.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[ServiceType] = mapped_column(enum_column(ServiceType))
    zone: Mapped[NetworkZone | None] = mapped_column(enum_column(NetworkZone))
    zone_key: Mapped[str] = mapped_column(String(20))  # the zone or "*"
    unit: Mapped[Unit] = mapped_column(enum_column(Unit))
    fixed_monthly: Mapped[decimal.Decimal] = mapped_column(Exact(16, 4), default=0)
    # Stated per line: provisioned (granted capacity × time) or measured (monitoring).
    basis: Mapped[UsageBasis] = mapped_column(
        enum_column(UsageBasis), default=UsageBasis.PROVISIONED
    )
    reason: Mapped[str | None] = mapped_column(Text)

    version_row: Mapped[RateCardVersion] = relationship(back_populates="lines")
    tiers: Mapped[list[RateTier]] = relationship(
        back_populates="line", order_by="RateTier.position", cascade="all, delete-orphan"
    )


class RateTier(Base):
    __tablename__ = "rate_tiers"
    __table_args__ = (
        Unique("line_id", "position"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("rate_lines.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    up_to: Mapped[int | None] = mapped_column(Integer)  # whole units; None: no upper bound
    unit_price: Mapped[decimal.Decimal] = mapped_column(Exact(16, 4))

    line: Mapped[RateLine] = relationship(back_populates="tiers")

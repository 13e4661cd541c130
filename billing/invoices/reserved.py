"""The optional charge for reserved-but-unused quota (off unless a rate is configured).

A department that holds quota it does not use keeps capacity idle for everyone.  With
``GOVCLOUD_BILLING__RESERVED_QUOTA_RATE`` above 0 (e.g. "0.30"), the unused part of each quota —
limit × minutes of the month − metered unit-minutes, per resource and zone — is charged at that
fraction of the first-tier price of the month's last card version, rounded to the fen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.invoices.enums import LineCategory
from billing.invoices.models import InvoiceLine
from billing.metering.schemas import MeteredRow
from billing.ratecards.enums import CardSide, ServiceType
from billing.ratecards.service import card_for
from billing.rating.schemas import price_line, to_fen
from infra.tenancy.enums import ResourceClass
from infra.tenancy.models import Quota

RESERVABLE = {
    ResourceClass.VCPU: ServiceType.ECS_VCPU,
    ResourceClass.MEMORY_GIB: ServiceType.ECS_MEMORY,
    ResourceClass.STORAGE_GIB: ServiceType.BLOCK_SSD,
    ResourceClass.PUBLIC_IP: ServiceType.EIP,
    ResourceClass.BANDWIDTH_MBPS: ServiceType.BANDWIDTH,
}


def reserved_lines(
    session: Session,
    *,
    month: dt.date,
    end: dt.date,
    minutes_in_month: int,
    rows: Sequence[MeteredRow],
    rate: Decimal,
) -> list[tuple[int, InvoiceLine]]:
    """(department, line) for every quota with unused capacity this month."""
    if rate <= 0:
        return []
    card = card_for(session, side=CardSide.CHARGE, provider_id=None, start=month, end=end)
    if not card:
        return []
    version = card[-1]
    used: dict[tuple[int, str, str], int] = defaultdict(int)
    for row in rows:
        used[(row.department_id, row.service, row.zone)] += row.minutes
    out = []
    for quota in session.scalars(select(Quota).order_by(Quota.department_id, Quota.id)):
        service = RESERVABLE[quota.resource]
        unused = (
            quota.limit * minutes_in_month
            - used[(quota.department_id, service.value, quota.zone.value)]
        )
        if unused <= 0:
            continue
        found = price_line(version, service.value, quota.zone.value)
        if found is None:
            continue
        line, multiplier = found
        price = line.tiers[0].unit_price * multiplier * rate
        amount = to_fen(Decimal(unused) * price / 60)
        if amount == 0:
            continue
        out.append(
            (
                quota.department_id,
                InvoiceLine(
                    usage_month=month,
                    category=LineCategory.RESERVED,
                    service=service.value,
                    zone=quota.zone.value,
                    version_id=version.id,
                    tier=0,
                    quantity_minutes=unused,
                    unit=service.unit.value,
                    unit_price=price,
                    amount=amount,
                    description=f"reserved but unused quota at {rate:.0%} of the price",
                ),
            )
        )
    return out

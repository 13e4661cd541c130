"""Rate card versions: create (checked, never overlapping), read, and compile for rating."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billing.ratecards.enums import CardSide
from billing.ratecards.exceptions import OverlappingVersion
from billing.ratecards.models import RateCardVersion, RateLine, RateTier
from billing.ratecards.schemas import RateCardVersionCreate
from billing.rating.schemas import CardVersion, PriceLine, Tier
from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import serialize_on
from infra.errors import NotFound

DEFAULT_CARD = Path(__file__).with_name("default_card.yaml")


def _card_versions(
    session: Session, *, side: CardSide, provider_id: int | None
) -> list[RateCardVersion]:
    query = (
        select(RateCardVersion)
        .where(RateCardVersion.side == side, RateCardVersion.provider_key == (provider_id or 0))
        .options(selectinload(RateCardVersion.lines).selectinload(RateLine.tiers))
        .order_by(RateCardVersion.effective_from)
    )
    return list(session.scalars(query))


def create_version(
    session: Session, *, data: RateCardVersionCreate, actor: Actor
) -> RateCardVersion:
    """Add a version; refuses one that overlaps another version of the same card, except that
    a version starting after the open-ended latest one (in a month not yet closed) ends it."""
    serialize_on(session, f"ratecard:{data.side}:{data.provider_id or 0}")
    existing = _card_versions(session, side=data.side, provider_id=data.provider_id)
    far = dt.date.max
    latest = existing[-1] if existing else None
    if (
        latest is not None
        and latest.effective_to is None
        and data.effective_from > latest.effective_from
        and not _closed_on_or_after(session, data.effective_from)
    ):
        # A new version supersedes the open-ended one from its start: the old one is cut
        # there (only future, unbilled days change; closed months keep their prices).
        latest.effective_to = data.effective_from
        record(
            session,
            actor=actor,
            action="supersede",
            entity="rate_card_version",
            entity_id=latest.id,
            after={"effective_to": data.effective_from.isoformat()},
        )
    for other in existing:
        if data.effective_from < (other.effective_to or far) and other.effective_from < (
            data.effective_to or far
        ):
            raise OverlappingVersion(
                other_version=other.version, starts=other.effective_from, ends=other.effective_to
            )
    row = RateCardVersion(
        side=data.side,
        provider_id=data.provider_id,
        provider_key=data.provider_id or 0,
        version=max((v.version for v in existing), default=0) + 1,
        name=data.name,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        zone_multipliers={z.value: str(m) for z, m in data.zone_multipliers.items()},
        note=data.note,
        created_by=actor.username,
    )
    for line in data.lines:
        row.lines.append(
            RateLine(
                service=line.service,
                zone=line.zone,
                zone_key=line.zone.value if line.zone else "*",
                unit=line.unit,
                fixed_monthly=line.fixed_monthly,
                basis=line.basis,
                reason=line.reason,
                tiers=[
                    RateTier(position=i, up_to=t.up_to, unit_price=t.unit_price)
                    for i, t in enumerate(line.tiers)
                ],
            )
        )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="rate_card_version",
        entity_id=row.id,
        after=data.model_dump(mode="json"),
    )
    return row


def _closed_on_or_after(session: Session, day: dt.date) -> bool:
    from billing.invoices.enums import PeriodStatus
    from billing.invoices.models import BillingPeriod

    query = select(BillingPeriod.id).where(
        BillingPeriod.status == PeriodStatus.CLOSED, BillingPeriod.month >= day.replace(day=1)
    )
    return session.scalars(query).first() is not None


def get_version(session: Session, *, version_id: int) -> RateCardVersion:
    row = session.get(RateCardVersion, version_id)
    if row is None:
        raise NotFound("rate_card_version", version_id)
    return row


def list_versions(session: Session, *, side: CardSide | None = None) -> list[RateCardVersion]:
    """Every version, newest first."""
    query = select(RateCardVersion).options(
        selectinload(RateCardVersion.lines).selectinload(RateLine.tiers)
    )
    if side is not None:
        query = query.where(RateCardVersion.side == side)
    return list(session.scalars(query.order_by(RateCardVersion.effective_from.desc())))


def to_card_version(row: RateCardVersion) -> CardVersion:
    """The rating processor's view of a stored version."""
    return CardVersion(
        id=row.id,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        zone_multipliers=row.multipliers(),
        lines=tuple(
            PriceLine(
                service=line.service.value,
                zone=line.zone.value if line.zone else None,
                unit=line.unit.value,
                fixed_monthly=line.fixed_monthly,
                tiers=tuple(Tier(t.up_to, t.unit_price) for t in line.tiers),
                basis=line.basis.value,
            )
            for line in row.lines
        ),
    )


def card_for(
    session: Session, *, side: CardSide, provider_id: int | None, start: dt.date, end: dt.date
) -> list[CardVersion]:
    """The versions of one card effective on any day of ``[start, end)``."""
    return [
        to_card_version(v)
        for v in _card_versions(session, side=side, provider_id=provider_id)
        if v.effective_from < end and (v.effective_to is None or v.effective_to > start)
    ]


def read_card_file(path: Path = DEFAULT_CARD) -> list[dict[str, Any]]:
    """The card file's versions (a list of ``RateCardVersionCreate`` bodies, reasons included)."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    versions: list[dict[str, Any]] = loaded["versions"]
    return versions


def load_default_card(
    session: Session, *, actor: Actor, provider_ids: list[int] | None = None
) -> list[RateCardVersion]:
    """Load the demo city's charge card and, per provider, its cost card (skips loaded ones)."""
    made: list[RateCardVersion] = []
    loaded = yaml.safe_load(DEFAULT_CARD.read_text(encoding="utf-8"))
    if not _card_versions(session, side=CardSide.CHARGE, provider_id=None):
        for body in loaded["versions"]:
            data = RateCardVersionCreate.model_validate(body)
            made.append(create_version(session, data=data, actor=actor))
    cost_share = Decimal(str(loaded["cost_card"]["share_of_charge"]))
    for provider_id in provider_ids or []:
        if _card_versions(session, side=CardSide.COST, provider_id=provider_id):
            continue
        for body in loaded["versions"]:
            data = RateCardVersionCreate.model_validate(body)
            cost = data.model_copy(
                update={
                    "side": CardSide.COST,
                    "provider_id": provider_id,
                    "name": f"{data.name} — contract prices",
                    "lines": [
                        line.model_copy(
                            update={
                                "fixed_monthly": Decimal(0),
                                "tiers": [
                                    t.model_copy(
                                        update={
                                            "unit_price": (t.unit_price * cost_share).quantize(
                                                Decimal("0.0001")
                                            )
                                        }
                                    )
                                    for t in line.tiers
                                ],
                            }
                        )
                        for line in data.lines
                    ],
                }
            )
            made.append(create_version(session, data=cost, actor=actor))
    return made

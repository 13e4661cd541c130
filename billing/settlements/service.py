"""Provider settlements: the contract fee for the month × the quarter's fee factor, plus the
variable cost of the usage the provider delivered (priced on its cost card).

The fee factor comes from the provider's signed quarterly assessment (monitoring).  Until that
exists, :func:`fee_factor_for` says 1 and why, and every settlement carries the reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.metering.schemas import MeteredRow
from billing.ratecards.enums import CardSide
from billing.ratecards.service import card_for
from billing.rating.engine import rate, usage_table
from billing.rating.schemas import RatedLine, to_fen
from billing.settlements.models import Settlement
from billing.settlements.schemas import FeeFactor
from infra.audit.actor import Actor
from infra.audit.service import record
from infra.errors import NotFound
from infra.inventory.enums import NetworkZone
from infra.inventory.models import Contract, Provider
from infra.tenancy.scope import Scope
from monitoring.assessment.queries import fee_factor_for as assessment_fee_factor

NO_ASSESSMENT = "no signed assessment"
ZONES = tuple(z.value for z in NetworkZone)


def quarter_of(month: dt.date) -> str:
    return f"{month.year}Q{(month.month - 1) // 3 + 1}"


def fee_factor_for(session: Session, provider_id: int, quarter: str) -> FeeFactor:
    """The fee factor of ``provider_id``'s signed assessment for ``quarter`` (e.g. "2026Q4"):
    its grade's factor once the manager has signed, 1 (with the reason) until then."""
    signed = assessment_fee_factor(session, provider_id=provider_id, quarter=quarter)
    if signed.grade is None:
        return FeeFactor(Decimal(1), NO_ASSESSMENT)
    return FeeFactor(signed.factor, signed.reason)


def contract_fee(session: Session, *, provider_id: int, month: dt.date) -> Decimal:
    """The provider's contract fees for ``month``, prorated by the days each contract covers."""
    days = calendar.monthrange(month.year, month.month)[1]
    last = month.replace(day=days)
    total = Decimal(0)
    for contract in session.scalars(
        select(Contract).where(
            Contract.provider_id == provider_id,
            Contract.starts_on <= last,
            Contract.ends_on >= month,
        )
    ):
        covered = (min(contract.ends_on, last) - max(contract.starts_on, month)).days + 1
        total += to_fen(contract.monthly_fee * covered / days)
    return total


def rate_costs(
    session: Session, *, provider_id: int, rows: Sequence[MeteredRow], month: dt.date
) -> list[RatedLine]:
    """Price the usage a provider delivered in ``month`` on its cost card."""
    mine = [r.usage() for r in rows if r.provider_id == provider_id]
    if not mine:
        return []
    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    card = card_for(session, side=CardSide.COST, provider_id=provider_id, start=month, end=end)
    return rate(usage_table(mine), card, zones=ZONES)


def settle_month(
    session: Session, *, month: dt.date, rows: Sequence[MeteredRow], actor: Actor
) -> list[Settlement]:
    """One settlement per provider for ``month`` (existing ones are kept as they are)."""
    made = []
    for provider in session.scalars(select(Provider).order_by(Provider.id)):
        existing = session.scalars(
            select(Settlement).where(
                Settlement.provider_id == provider.id, Settlement.month == month
            )
        ).first()
        if existing is not None:
            made.append(existing)
            continue
        fee = contract_fee(session, provider_id=provider.id, month=month)
        variable = sum(
            (
                line.amount
                for line in rate_costs(session, provider_id=provider.id, rows=rows, month=month)
            ),
            Decimal(0),
        )
        if fee == 0 and variable == 0:
            continue
        factor = fee_factor_for(session, provider.id, quarter_of(month))
        adjusted = to_fen(fee * factor.factor)
        row = Settlement(
            provider_id=provider.id,
            month=month,
            quarter=quarter_of(month),
            contract_fee=fee,
            fee_factor=factor.factor,
            factor_reason=factor.reason,
            adjusted_fee=adjusted,
            variable_cost=variable,
            amount=adjusted + variable,
            issued_by=actor.username,
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor=actor,
            action="settle",
            entity="settlement",
            entity_id=row.id,
            after={
                "provider_id": provider.id,
                "month": month.isoformat(),
                "amount": str(row.amount),
            },
        )
        made.append(row)
    return made


def list_settlements(
    session: Session, *, scope: Scope, month: dt.date | None = None
) -> list[Settlement]:
    """Settlements visible in ``scope`` (a provider representative sees only its own)."""
    query = select(Settlement).where(scope.where_provider(Settlement.provider_id))
    if month is not None:
        query = query.where(Settlement.month == month)
    return list(session.scalars(query.order_by(Settlement.month.desc(), Settlement.provider_id)))


def get_settlement(session: Session, *, settlement_id: int, scope: Scope) -> Settlement:
    row = session.get(Settlement, settlement_id)
    if row is None:
        raise NotFound("settlement", settlement_id)
    scope.require_provider("settlement", settlement_id, row.provider_id)
    return row

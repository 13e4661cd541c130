"""Cost accounting: each provider's cost (contract fee + variable) against recovered charges,
with the fixed fee — shared and idle capacity — allocated to departments by a stated rule.

Reconciles to the fen by construction: variable costs are per department already; the fixed
pool is split by largest remainder; what the rule leaves (idle capacity) is ``unallocated``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.costs.allocation import largest_remainder
from billing.costs.schemas import AllocationRule, ProviderCost
from billing.invoices.measured import measured_days_of
from billing.invoices.service import month_bounds, next_month, rate_charges
from billing.metering.schemas import MeteredRow
from billing.metering.service import metered_rows
from billing.ratecards.enums import ServiceType
from billing.rating.schemas import to_fen
from billing.settlements.service import contract_fee, rate_costs
from infra.inventory.models import Host, Provider
from infra.settings import get_settings
from infra.tenancy.enums import ResourceClass
from infra.tenancy.models import Department, Quota
from infra.tenancy.scope import Scope


def rule_from_settings(session: Session) -> AllocationRule:
    """The configured rule (``GOVCLOUD_BILLING__SHARED_COST_RULE`` etc.)."""
    cfg = get_settings().billing
    codes = {d.code: d.id for d in session.scalars(select(Department))}
    shares = {codes[c]: Decimal(w) for c, w in cfg.fixed_shares.items() if c in codes}
    return AllocationRule(cfg.shared_cost_rule, shares, cfg.allocate_idle)


def _weights(
    session: Session, rule: AllocationRule, variable: dict[int, Decimal]
) -> dict[int, Decimal]:
    if rule.method == "fixed_share":
        return dict(rule.fixed_shares)
    if rule.method == "quota":
        out: dict[int, Decimal] = defaultdict(Decimal)
        query = select(Quota.department_id, Quota.limit).where(Quota.resource == ResourceClass.VCPU)
        for dept, limit in session.execute(query):
            out[dept] += Decimal(limit)
        return dict(out)
    return dict(variable)


def provider_cost(
    session: Session,
    *,
    provider_id: int,
    month: dt.date,
    rows: Sequence[MeteredRow],
    rule: AllocationRule,
) -> ProviderCost:
    """One provider's month, allocated by ``rule``."""
    fee = contract_fee(session, provider_id=provider_id, month=month)
    cost_lines = rate_costs(session, provider_id=provider_id, rows=rows, month=month)
    variable: dict[int, Decimal] = defaultdict(Decimal)
    by_zone: dict[str, Decimal] = defaultdict(Decimal)
    for line in cost_lines:
        variable[line.department_id] += line.amount
        by_zone[line.zone] += line.amount
    mine = [r for r in rows if r.provider_id == provider_id]
    charged: dict[int, Decimal] = defaultdict(Decimal)
    for line in rate_charges(session, mine, month) if mine else []:
        charged[line.department_id] += line.amount
    start, end = month_bounds(month)
    minutes = int((end - start).total_seconds()) // 60
    capacity = sum(session.scalars(select(Host.vcpu).where(Host.provider_id == provider_id)))
    used = sum(r.minutes for r in mine if r.service == ServiceType.ECS_VCPU.value)
    utilisation = min(Decimal(1), Decimal(used) / (capacity * minutes)) if capacity else Decimal(0)
    pool = fee if rule.allocate_idle else to_fen(fee * utilisation)
    fixed = largest_remainder(pool, _weights(session, rule, variable))
    shares: dict[int, Decimal] = defaultdict(Decimal)
    for dept, amount in [*variable.items(), *fixed.items()]:
        shares[dept] += amount
    total_variable = sum(variable.values(), Decimal(0))
    unallocated = fee + total_variable - sum(shares.values(), Decimal(0))
    return ProviderCost(
        provider_id=provider_id,
        month=month,
        contract_fee=fee,
        variable_cost=total_variable,
        utilisation=utilisation.quantize(Decimal("0.0001")),
        recovered=sum(charged.values(), Decimal(0)),
        shares=dict(sorted(shares.items())),
        unallocated=unallocated,
        variable_by_zone=dict(sorted(by_zone.items())),
        charged_by_department=dict(sorted(charged.items())),
        rule=rule.describe(),
    )


def cost_report(
    session: Session,
    *,
    months: Sequence[dt.date],
    scope: Scope,
    rule: AllocationRule | None = None,
    now: dt.datetime | None = None,
) -> list[ProviderCost]:
    """Provider costs for ``months`` (one quarter = three months), providers in ``scope``;
    ``now`` judges which closed months monitoring still holds (default: the clock)."""
    rule = rule or rule_from_settings(session)
    out = []
    providers = list(
        session.scalars(
            select(Provider.id).where(scope.where_provider(Provider.id)).order_by(Provider.id)
        )
    )
    for month in months:
        start, end = month_bounds(month)
        # A closed month's measured usage comes from its record (monitoring's roll-ups
        # expire), by the same rule the month-end close re-rates it with.
        measured = measured_days_of(session, month=month, now=now).days
        rows = metered_rows(session, start=start, end=end, measured=measured)
        for provider_id in providers:
            out.append(
                provider_cost(session, provider_id=provider_id, month=month, rows=rows, rule=rule)
            )
    return out


def quarter_months(year: int, quarter: int) -> list[dt.date]:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return [first, next_month(first), next_month(next_month(first))]

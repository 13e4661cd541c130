"""Quota arithmetic: what a department holds (in use), has been promised (reserved), and the
locked check that admits a new demand only if it fits.

Usage is never kept in a counter that could drift: it is the sum over the requests' own items,
by state (submitted/approved: reserved; placed/active: in use; change requests reserve only
their growth, and once applied live on in the items they changed).  Admission locks the
department's quota rows first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers already
run one at a time under ``BEGIN IMMEDIATE``), so two submissions against one quota are decided
one after the other, never both on a stale sum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import ResourceClass
from infra.tenancy.models import Department, Quota
from infra.tenancy.requests.enums import RequestKind, RequestState, UsageLevel
from infra.tenancy.requests.exceptions import QuotaExceeded, Shortfall
from infra.tenancy.requests.models import QUANTITIES, RequestItem, ResourceRequest
from infra.tenancy.requests.schemas import UsageRow

Key = tuple[ResourceClass, NetworkZone]
RESERVING = tuple(s for s in RequestState if s.holds_reservation)
HOLDING = tuple(s for s in RequestState if s.holds_allocation)
WARNING_PERCENT, CRITICAL_PERCENT = Decimal(80), Decimal(95)


def demand_of(items: Iterable[RequestItem]) -> dict[Key, int]:
    """What ``items`` add to a department's usage, per resource and zone (growth only)."""
    demand: dict[Key, int] = defaultdict(int)
    for item in items:
        for resource in QUANTITIES:
            amount = item.quantity(resource)
            if amount > 0:
                demand[(ResourceClass(resource), item.zone)] += amount
    return dict(demand)


def usage(
    session: Session, *, department_ids: Iterable[int] | None = None
) -> dict[tuple[int, ResourceClass, NetworkZone], tuple[int, int]]:
    """(in use, reserved) per (department, resource, zone), from the requests themselves."""
    positive = [
        func.sum(case((getattr(RequestItem, r) > 0, getattr(RequestItem, r)), else_=0))
        for r in QUANTITIES
    ]
    query = (
        select(ResourceRequest.department_id, ResourceRequest.state, RequestItem.zone, *positive)
        .join(RequestItem, RequestItem.request_id == ResourceRequest.id)
        .where(
            ResourceRequest.state.in_(RESERVING)
            | (ResourceRequest.state.in_(HOLDING) & (ResourceRequest.kind == RequestKind.NEW))
        )
        .group_by(ResourceRequest.department_id, ResourceRequest.state, RequestItem.zone)
    )
    if department_ids is not None:
        query = query.where(ResourceRequest.department_id.in_(sorted(department_ids)))
    totals: dict[tuple[int, ResourceClass, NetworkZone], list[int]] = defaultdict(lambda: [0, 0])
    for department_id, state, zone, *sums in session.execute(query):
        column = 0 if RequestState(state).holds_allocation else 1
        for resource, amount in zip(QUANTITIES, sums, strict=True):
            if amount:
                totals[(department_id, ResourceClass(resource), zone)][column] += int(amount)
    return {key: (pair[0], pair[1]) for key, pair in totals.items()}


def lock_quotas(session: Session, *, department_id: int) -> dict[Key, int]:
    """Lock the department's quota rows (in id order, so lockers never deadlock) and return
    their limits.  Take it before anything else a submission locks (the audit head)."""
    rows = session.scalars(
        select(Quota)
        .where(Quota.department_id == department_id)
        .order_by(Quota.id)
        .with_for_update()
    ).all()
    return {(q.resource, q.zone): q.limit for q in rows}


def admit(
    session: Session,
    *,
    department: Department,
    demand: Mapping[Key, int],
    limits: Mapping[Key, int] | None = None,
) -> None:
    """Refuse ``demand`` unless it fits every quota it touches; call inside the writer
    transaction that moves the request into a reserving state (``limits``: from a
    :func:`lock_quotas` this transaction already took)."""
    if not demand:
        return
    if limits is None:
        limits = lock_quotas(session, department_id=department.id)
    held = usage(session, department_ids=[department.id])
    shortfalls = []
    for (resource, zone), requested in sorted(demand.items()):
        limit = limits.get((resource, zone), 0)
        in_use, reserved = held.get((department.id, resource, zone), (0, 0))
        if in_use + reserved + requested > limit:
            shortfalls.append(
                Shortfall(department.code, resource, zone, limit, in_use, reserved, requested)
            )
    if shortfalls:
        raise QuotaExceeded(shortfalls)


def level_of(percent: Decimal) -> UsageLevel:
    if percent >= CRITICAL_PERCENT:
        return UsageLevel.CRITICAL
    if percent >= WARNING_PERCENT:
        return UsageLevel.WARNING
    return UsageLevel.OK


def usage_rows(session: Session, *, department_ids: Iterable[int] | None) -> list[UsageRow]:
    """Every quota in reach with what is in use and reserved against it."""
    ids = None if department_ids is None else sorted(department_ids)
    query = select(Quota, Department.code).join(Department, Quota.department_id == Department.id)
    if ids is not None:
        query = query.where(Quota.department_id.in_(ids))
    held = usage(session, department_ids=ids)
    rows = []
    for quota, code in session.execute(query.order_by(Department.code, Quota.zone, Quota.resource)):
        in_use, reserved = held.get((quota.department_id, quota.resource, quota.zone), (0, 0))
        taken = in_use + reserved
        percent = (
            (Decimal(taken) * 100 / quota.limit).quantize(Decimal("0.1"))
            if quota.limit
            else Decimal(100 if taken else 0)
        )
        rows.append(
            UsageRow(
                department_id=quota.department_id,
                department_code=code,
                resource=quota.resource,
                zone=quota.zone,
                limit=quota.limit,
                in_use=in_use,
                reserved=reserved,
                free=max(quota.limit - taken, 0),
                percent=percent,
                level=level_of(percent),
            )
        )
    return rows

"""Metering: keep a request's usage intervals in step with its allocations, and turn intervals
into per-day unit-minutes for a period.

``sync_request`` is the whole of the event handling: it compares the request's live allocations
with its open intervals and opens, closes or splits intervals at the event's minute.  Applying
it twice, or to an older event after a newer one, changes nothing — handlers are idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.metering.models import UsageInterval
from billing.metering.schemas import IntervalSnapshot, MeasuredDay, MeteredRow
from billing.metering.traffic import MeasuredTrafficSource, metered_from
from billing.ratecards.enums import MEASURABLE, CardSide, ServiceType, UsageBasis
from billing.ratecards.service import card_for
from billing.rating.schemas import CardVersion, price_line
from infra.inventory.models import Host
from infra.schedules.types import CITY_TIMEZONE
from infra.tenancy.requests.enums import RequestKind
from infra.tenancy.requests.models import Allocation, RequestItem, ResourceRequest

MEASURED_SERVICES = frozenset(s.value for s in MEASURABLE)
"""Services whose quantity the card's line basis decides: provisioned (from intervals) or
measured (from a :class:`MeasuredUsageSource`)."""


def floor_minute(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


def _desired(
    session: Session, request_id: int
) -> tuple[dict[tuple[int, ServiceType], int], dict[int, Allocation]]:
    allocations = list(
        session.scalars(
            select(Allocation).where(Allocation.request_id == request_id).order_by(Allocation.id)
        )
    )
    items = {
        i.id: i
        for i in session.scalars(select(RequestItem).where(RequestItem.request_id == request_id))
    }
    want: dict[tuple[int, ServiceType], int] = {}
    first_of_item: set[int] = set()
    for alloc in allocations:
        if alloc.released_at is not None:
            continue
        sizes = {
            ServiceType.ECS_VCPU: alloc.vcpu,
            ServiceType.ECS_MEMORY: alloc.memory_gib,
            ServiceType.BLOCK_SSD: alloc.storage_gib,
        }
        item = items.get(alloc.item_id)
        if item is not None and alloc.item_id not in first_of_item:
            # Addresses and bandwidth belong to the item: counted once, on its first allocation.
            first_of_item.add(alloc.item_id)
            sizes[ServiceType.EIP] = item.public_ip
            sizes[ServiceType.BANDWIDTH] = item.bandwidth_mbps
        for service, quantity in sizes.items():
            if quantity > 0:
                want[(alloc.id, service)] = quantity
    return want, {a.id: a for a in allocations}


def sync_request(session: Session, *, request_id: int, at: dt.datetime) -> dict[str, int]:
    """Open, close or split the request's intervals so they match its allocations from ``at``."""
    request = session.get(ResourceRequest, request_id)
    if request is None:
        return {"opened": 0, "closed": 0}
    if request.kind is RequestKind.CHANGE and request.target_request_id is not None:
        request_id = request.target_request_id
    minute = floor_minute(at)
    want, allocations = _desired(session, request_id)
    hosts = {
        h.id: h.provider_id
        for h in session.scalars(
            select(Host).where(Host.id.in_({a.host_id for a in allocations.values()}))
        )
    }
    open_rows = list(
        session.scalars(
            select(UsageInterval).where(
                UsageInterval.request_id == request_id, UsageInterval.ended_at.is_(None)
            )
        )
    )
    opened = closed = 0
    have: dict[tuple[int, ServiceType], UsageInterval] = {}
    for row in open_rows:
        key = (row.allocation_id, row.service)
        if want.get(key) == row.quantity:
            have[key] = row
            continue
        alloc = allocations.get(row.allocation_id)
        end = minute
        if key not in want and alloc is not None and alloc.released_at is not None:
            end = floor_minute(alloc.released_at)
        if end <= row.started_at:
            session.delete(row)
        else:
            row.ended_at = end
        closed += 1
    for key, quantity in want.items():
        if key in have:
            continue
        alloc = allocations[key[0]]
        start = max(minute, floor_minute(alloc.created_at)) if key not in have else minute
        clash = session.scalars(
            select(UsageInterval).where(
                UsageInterval.allocation_id == alloc.id,
                UsageInterval.service == key[1],
                UsageInterval.started_at >= start,
            )
        ).first()
        if clash is not None:  # an older event after a newer one: the newer already opened it
            continue
        session.add(
            UsageInterval(
                department_id=alloc.department_id,
                provider_id=hosts.get(alloc.host_id),
                request_id=request_id,
                allocation_id=alloc.id,
                service=key[1],
                zone=alloc.zone,
                quantity=quantity,
                started_at=start,
            )
        )
        opened += 1
    session.flush()
    return {"opened": opened, "closed": closed}


def intervals_in(
    session: Session, *, start: dt.datetime, end: dt.datetime
) -> list[IntervalSnapshot]:
    """Every interval overlapping ``[start, end)``, detached from the session."""
    rows = session.scalars(
        select(UsageInterval)
        .where(
            UsageInterval.started_at < end,
            or_(UsageInterval.ended_at.is_(None), UsageInterval.ended_at > start),
        )
        .order_by(UsageInterval.id)
    )
    return [
        IntervalSnapshot(
            r.department_id,
            r.provider_id,
            r.service.value,
            r.zone.value,
            r.quantity,
            r.started_at,
            r.ended_at,
        )
        for r in rows
    ]


def _local_days(
    start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> Iterator[tuple[dt.date, dt.datetime, dt.datetime]]:
    local = start.astimezone(tz)
    day = local.date()
    while True:
        nxt = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        day_start = max(start, dt.datetime.combine(day, dt.time(), tzinfo=tz))
        day_end = min(end, nxt)
        if day_start >= end:
            return
        yield day, day_start, day_end
        day += dt.timedelta(days=1)


def split_by_day(
    intervals: Iterable[IntervalSnapshot],
    *,
    start: dt.datetime,
    end: dt.datetime,
    services: frozenset[str] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[MeteredRow]:
    """Unit-minutes per department, provider, service, zone and local day in ``[start, end)``."""
    tz = ZoneInfo(CITY_TIMEZONE)
    sums: dict[tuple[int, int | None, str, str, dt.date], int] = defaultdict(int)
    for iv in intervals:
        if (services is not None and iv.service not in services) or iv.service in exclude:
            continue
        lo = max(start, iv.started_at)
        hi = min(end, iv.ended_at or end)
        if hi <= lo:
            continue
        for day, a, b in _local_days(lo, hi, tz):
            minutes = int((b - a).total_seconds()) // 60
            key = (iv.department_id, iv.provider_id, iv.service, iv.zone, day)
            sums[key] += minutes * iv.quantity
    return [MeteredRow(*key, minutes) for key, minutes in sorted(sums.items()) if minutes]


class MeasuredUsageSource(Protocol):
    """Measured usage (egress, 月95 bandwidth) per department, provider, zone and day.

    :class:`billing.metering.traffic.MeasuredTrafficSource` reads monitoring's counters; the
    card's line basis decides which of its rows are billed."""

    def measured(self, *, start: dt.datetime, end: dt.datetime) -> list[MeteredRow]: ...


class ProvisionedBandwidthSource:
    """Database-free: bandwidth usage = provisioned Mbps × minutes, from interval snapshots."""

    def __init__(self, intervals: Iterable[IntervalSnapshot]) -> None:
        self._intervals = list(intervals)

    def measured(self, *, start: dt.datetime, end: dt.datetime) -> list[MeteredRow]:
        return split_by_day(self._intervals, start=start, end=end, services=MEASURED_SERVICES)


def basis_of(versions: Sequence[CardVersion], service: str, zone: str, day: dt.date) -> str | None:
    """The basis of the line pricing ``service`` in ``zone`` on ``day`` (None: no line)."""
    for version in versions:
        if version.covers(day):
            found = price_line(version, service, zone)
            return None if found is None else found[0].basis
    return None


def metered_rows(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    source: MeasuredUsageSource | None = None,
    measured: Sequence[MeasuredDay] | None = None,
) -> list[MeteredRow]:
    """All usage of ``[start, end)``: intervals for held capacity; for bandwidth and egress,
    each line's stated basis picks the provisioned rows (intervals) or the measured ones
    (``measured`` days if given — a closed month's record, ``invoices/measured.py`` — else
    ``source``, by default monitoring's counters).  Provisioned rows with no line are kept, so
    rating refuses them as unpriced; measured rows with no line are not billed."""
    local = ZoneInfo(CITY_TIMEZONE)
    card = card_for(
        session,
        side=CardSide.CHARGE,
        provider_id=None,
        start=start.astimezone(local).date(),
        end=(end - dt.timedelta(microseconds=1)).astimezone(local).date() + dt.timedelta(days=1),
    )
    intervals = intervals_in(session, start=start, end=end)
    held = split_by_day(intervals, start=start, end=end, exclude=MEASURED_SERVICES)
    provisioned = [
        r
        for r in split_by_day(intervals, start=start, end=end, services=MEASURED_SERVICES)
        if basis_of(card, r.service, r.zone, r.day) in (UsageBasis.PROVISIONED.value, None)
    ]
    if measured is not None:
        candidates = metered_from(measured)
    else:
        candidates = (source or MeasuredTrafficSource(session)).measured(start=start, end=end)
    billed = [
        r
        for r in candidates
        if basis_of(card, r.service, r.zone, r.day) == UsageBasis.MEASURED.value
    ]
    return sorted(
        held + provisioned + billed, key=lambda r: (r.department_id, r.service, r.zone, r.day)
    )

"""Measured network usage: the host agents' transmit counters turned into billed egress and
bandwidth per allocation, department, zone and hour.

The rules, stated once (the rate card's ``basis: measured`` lines point here):

* **What is measured** — ``node_network_transmit_bytes_total`` of a host's physical devices,
  read from monitoring's minute roll-ups, with monitoring's counter rules (a reset counts the
  bytes since the restart, never a negative or a jump; an increase across a gap of more than
  15 minutes is dropped, not spread; see ``monitoring/metrics/queries.py``).  Minutes without
  samples add nothing: no gap is filled in.
* **Attribution** — a minute's host traffic is shared among the allocations placed on that
  host which held bandwidth in that minute, in proportion to their granted Mbps (floored to
  whole bytes: never more than was measured).  Traffic in a minute when no allocation on the
  host held bandwidth is the office's own and billed to nobody (reported as unattributed).
* **Egress** — bytes per allocation per hour, summed per department, provider, zone and local
  day, billed per GB (10⁹ bytes) in sixtieths of a GB, rounded half up per row.
* **Bandwidth (月95)** — per allocation, the month's 5-minute rates (bytes × 8 / 300 s) are
  sorted, the highest 5 % (rounded down) are discarded, and the highest remaining rate is the
  billable Mbit/s (to 0.01, half up).  It replaces the granted Mbps for the minutes the
  allocation held bandwidth, so a department pays the 95th percentile for the time it held
  the line; an allocation with no samples has no measured rate and is billed nothing on a
  measured line (the card chose measured; metering reports it as unmeasured).
* **Late samples and retention** — the month-end close records each closed month's measured
  days (``metering/record.py``); monitoring's minute roll-ups expire after
  ``minute_retention_days``, so a closed month is re-measured from that record, with today's
  measurement taking over only where monitoring still holds the data.  A late sample within
  retention becomes an adjustment at the next close; an issued invoice is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.metering.models import UsageInterval
from billing.metering.schemas import MeasuredDay, MeteredRow
from billing.ratecards.enums import ServiceType
from infra.schedules.types import CITY_TIMEZONE
from infra.tenancy.requests.models import Allocation
from monitoring.metrics.queries import counter_increases

GB = 10**9
WINDOW_MS = 5 * 60_000  # the 月95 sampling window
MINUTE_MS = 60_000
PERCENTILE = 95
EGRESS = ServiceType.EGRESS.value
BANDWIDTH = ServiceType.BANDWIDTH.value
MBPS_STEP = Decimal("0.01")


@dataclass(frozen=True)
class HeldBandwidth:
    """A bandwidth interval with the host its allocation is placed on."""

    allocation_id: int
    department_id: int
    provider_id: int | None
    zone: str
    host_id: int
    mbps: int
    started_at: dt.datetime
    ended_at: dt.datetime | None

    def holds(self, at: dt.datetime) -> bool:
        return self.started_at <= at and (self.ended_at is None or at < self.ended_at)


@dataclass(frozen=True)
class HourlyEgress:
    allocation_id: int
    department_id: int
    zone: str
    hour: dt.datetime  # UTC, start of the hour
    bytes: int


@dataclass
class TrafficReport:
    """What a measurement saw: bytes per allocation per minute bucket, and what it left out."""

    by_allocation: dict[int, dict[int, int]] = field(default_factory=dict)
    held: dict[int, list[HeldBandwidth]] = field(default_factory=dict)
    unattributed_bytes: int = 0
    unmeasured_allocations: set[int] = field(default_factory=set)
    resets: int = 0
    gaps: int = 0


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def _at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def held_bandwidth(
    session: Session, *, start: dt.datetime, end: dt.datetime
) -> list[HeldBandwidth]:
    """Every bandwidth interval overlapping ``[start, end)``, with its allocation's host."""
    rows = session.execute(
        select(UsageInterval, Allocation.host_id)
        .join(Allocation, Allocation.id == UsageInterval.allocation_id)
        .where(
            UsageInterval.service == ServiceType.BANDWIDTH,
            UsageInterval.started_at < end,
            or_(UsageInterval.ended_at.is_(None), UsageInterval.ended_at > start),
        )
        .order_by(UsageInterval.id)
    )
    return [
        HeldBandwidth(
            iv.allocation_id,
            iv.department_id,
            iv.provider_id,
            iv.zone.value,
            host_id,
            iv.quantity,
            iv.started_at,
            iv.ended_at,
        )
        for iv, host_id in rows
    ]


def attribute(
    host_bytes: dict[int, int], held: list[HeldBandwidth]
) -> tuple[dict[int, dict[int, int]], int]:
    """Share each minute's host bytes among the allocations holding bandwidth then, by Mbps;
    returns bytes per allocation per bucket and the bytes nobody held."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    unattributed = 0
    for bucket, total in sorted(host_bytes.items()):
        at = _at(bucket)
        live = [h for h in held if h.holds(at)]
        weight = sum(h.mbps for h in live)
        if weight == 0:
            unattributed += total
            continue
        for h in live:
            share = total * h.mbps // weight
            if share:
                out[h.allocation_id][bucket] = out[h.allocation_id].get(bucket, 0) + share
    return dict(out), unattributed


def percentile_mbps(bucket_bytes: dict[int, int]) -> Decimal | None:
    """The 月95 rate of one allocation's minute buckets (None without any sample)."""
    windows: dict[int, int] = defaultdict(int)
    for bucket, count in bucket_bytes.items():
        windows[bucket // WINDOW_MS] += count
    if not windows:
        return None
    rates = sorted(Decimal(b * 8) / (WINDOW_MS // 1000) / 10**6 for b in windows.values())
    drop = len(rates) * (100 - PERCENTILE) // 100
    return rates[len(rates) - 1 - drop].quantize(MBPS_STEP, rounding=ROUND_HALF_UP)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class MeasuredTrafficSource:
    """A :class:`~billing.metering.service.MeasuredUsageSource` reading monitoring's counters:
    egress and 月95 bandwidth rows (both measured; the card's basis picks which are billed)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.last_report: TrafficReport | None = None

    def report(self, *, start: dt.datetime, end: dt.datetime) -> TrafficReport:
        """Attributed bytes per allocation per minute bucket in ``[start, end)``."""
        held = held_bandwidth(self.session, start=start, end=end)
        by_host: dict[int, list[HeldBandwidth]] = defaultdict(list)
        for h in held:
            by_host[h.host_id].append(h)
        increases = counter_increases(
            self.session, host_ids=set(by_host), start_ms=_ms(start), end_ms=_ms(end)
        )
        report = TrafficReport(resets=increases.resets, gaps=increases.gaps)
        for h in held:
            report.held.setdefault(h.allocation_id, []).append(h)
        for host_id, host_held in by_host.items():
            shares, nobody = attribute(increases.by_host.get(host_id, {}), host_held)
            report.unattributed_bytes += nobody
            for alloc, buckets in shares.items():
                report.by_allocation.setdefault(alloc, {}).update(buckets)
        report.unmeasured_allocations = set(report.held) - set(report.by_allocation)
        self.last_report = report
        return report

    def hourly_egress(self, *, start: dt.datetime, end: dt.datetime) -> list[HourlyEgress]:
        """Egress bytes per allocation and UTC hour (the finest grain billing keeps)."""
        report = self.report(start=start, end=end)
        out: list[HourlyEgress] = []
        for alloc, buckets in sorted(report.by_allocation.items()):
            first = report.held[alloc][0]
            hours: dict[int, int] = defaultdict(int)
            for bucket, count in buckets.items():
                hours[bucket // 3_600_000] += count
            out.extend(
                HourlyEgress(alloc, first.department_id, first.zone, _at(h * 3_600_000), count)
                for h, count in sorted(hours.items())
            )
        return out

    def measured_days(self, *, start: dt.datetime, end: dt.datetime) -> list[MeasuredDay]:
        """Egress bytes and 月95 Mbit/s × minutes per allocation and local day (unrounded: the
        grain billing records at close, ``metering/record.py``)."""
        report = self.report(start=start, end=end)
        tz = ZoneInfo(CITY_TIMEZONE)
        out: list[MeasuredDay] = []
        for alloc, buckets in sorted(report.by_allocation.items()):
            held = report.held[alloc]
            first = held[0]
            egress: dict[dt.date, int] = defaultdict(int)
            for bucket, count in buckets.items():
                egress[_at(bucket).astimezone(tz).date()] += count
            out.extend(
                MeasuredDay(
                    alloc,
                    first.department_id,
                    first.provider_id,
                    EGRESS,
                    first.zone,
                    day,
                    Decimal(count),
                )
                for day, count in sorted(egress.items())
            )
            rate = percentile_mbps(buckets)
            if rate is None or rate == 0:
                continue
            bandwidth: dict[tuple[int, int | None, str, dt.date], Decimal] = defaultdict(Decimal)
            for h in held:
                for day, minutes in _minutes_by_day(h, start, end, tz).items():
                    bandwidth[(h.department_id, h.provider_id, h.zone, day)] += rate * minutes
            out.extend(
                MeasuredDay(alloc, dept, prov, BANDWIDTH, zone, day, quantity)
                for (dept, prov, zone, day), quantity in sorted(
                    bandwidth.items(), key=lambda kv: (kv[0][3], kv[0][2])
                )
            )
        return out

    def measured(self, *, start: dt.datetime, end: dt.datetime) -> list[MeteredRow]:
        return metered_from(self.measured_days(start=start, end=end))


def metered_from(days: Iterable[MeasuredDay]) -> list[MeteredRow]:
    """Billed rows from measured days: per department, provider, zone and local day, egress in
    sixtieths of a GB and bandwidth in Mbit/s-minutes, each rounded half up once per row."""
    sums: dict[tuple[int, int | None, str, str, dt.date], Decimal] = defaultdict(Decimal)
    for d in days:
        sums[(d.department_id, d.provider_id, d.service, d.zone, d.day)] += d.quantity
    rows = [
        MeteredRow(
            dept,
            prov,
            service,
            zone,
            day,
            _half_up(quantity * 60 / GB if service == EGRESS else quantity),
        )
        for (dept, prov, service, zone, day), quantity in sums.items()
    ]
    return sorted(
        (r for r in rows if r.minutes > 0),
        key=lambda r: (r.department_id, r.service, r.zone, r.day, r.provider_id or 0),
    )


def _minutes_by_day(
    held: HeldBandwidth, start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> dict[dt.date, int]:
    lo = max(start, held.started_at)
    hi = min(end, held.ended_at or end)
    out: dict[dt.date, int] = defaultdict(int)
    at = lo
    while at < hi:
        local = at.astimezone(tz)
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        step = min(hi, midnight.astimezone(dt.UTC))
        out[local.date()] += int((step - at).total_seconds()) // 60
        at = step
    return dict(out)

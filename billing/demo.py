"""Billing's part of the demo city: rate cards, metering of the running allocations (backdated
so there is history), and the last few months closed, so finance sees real bills at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.invoices.budgets import set_budget
from billing.invoices.flows import close_month
from billing.invoices.models import Budget
from billing.invoices.service import month_bounds
from billing.metering.models import UsageInterval
from billing.metering.service import sync_request
from billing.ratecards.enums import ServiceType
from billing.ratecards.service import load_default_card
from infra.audit.actor import Actor
from infra.database import utcnow
from infra.inventory.enums import NetworkZone
from infra.inventory.models import Host, Provider
from infra.schedules.types import CITY_TIMEZONE
from infra.tenancy.models import Department
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import Allocation, RequestItem, ResourceRequest
from monitoring.metrics.demo import load_demo_traffic

ACTOR = Actor.system("demo")
HISTORY_MONTHS = 3


def _months_back(now: dt.datetime, count: int) -> list[dt.date]:
    local = now.astimezone(ZoneInfo(CITY_TIMEZONE)).date().replace(day=1)
    out = []
    for _ in range(count):
        local = (local - dt.timedelta(days=1)).replace(day=1)
        out.append(local)
    return sorted(out)


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def load(session: Session, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Idempotent: cards once, metering once per allocation, closed months stay closed."""
    now = now or utcnow()
    providers = list(session.scalars(select(Provider.id).order_by(Provider.id)))
    load_default_card(session, actor=ACTOR, provider_ids=providers)
    months = _months_back(now, HISTORY_MONTHS)
    start = month_bounds(months[0])[0] + dt.timedelta(days=2, hours=9)
    _demo_workloads(session, start)
    metered = set(session.scalars(select(UsageInterval.request_id).distinct()))
    live = session.scalars(
        select(Allocation.request_id).where(Allocation.released_at.is_(None)).distinct()
    )
    for request_id in sorted(set(live) - metered):
        # The demo's allocations are new; pretend they went live at the start of the history.
        for alloc in session.scalars(select(Allocation).where(Allocation.request_id == request_id)):
            alloc.created_at = min(alloc.created_at, start)
        sync_request(session, request_id=request_id, at=start)
    # The agents' transmit counters on the workloads' hosts, so measured lines have usage.
    hosts = sorted(
        set(
            session.scalars(
                select(Allocation.host_id)
                .join(UsageInterval, UsageInterval.allocation_id == Allocation.id)
                .where(UsageInterval.service == ServiceType.BANDWIDTH)
                .distinct()
            )
        )
    )
    load_demo_traffic(
        session, host_ids=hosts, start_ms=int(start.timestamp() * 1000), end_ms=_ms(now)
    )
    summaries = [close_month(session, month=m, actor=ACTOR, now=now) for m in months]
    depts = {a.department_id for a in session.scalars(select(Allocation)) if a.released_at is None}
    already = session.scalar(select(Budget.id).limit(1)) is not None
    for dept in [] if already else sorted(depts)[:2]:
        set_budget(session, department_id=dept, monthly_amount=Decimal("5000.00"), actor=ACTOR)
    return {"months": [m.isoformat() for m in months], "closes": summaries}


# (vCPU, GiB memory, GiB disk, public IPs, Mbps, zone) of a steady workload per department
# code, so every demo department has bills; only departments without allocations get one.
DEMO_WORKLOADS: dict[str, tuple[int, int, int, int, int, NetworkZone]] = {
    "police": (32, 128, 2000, 2, 100, NetworkZone.PRIVATE),
    "health": (16, 64, 1000, 1, 50, NetworkZone.EXTRANET),
    "education": (8, 32, 500, 1, 20, NetworkZone.INTERNET),
    "transport": (12, 48, 800, 1, 30, NetworkZone.EXTRANET),
}


def _demo_workloads(session: Session, start: dt.datetime) -> None:
    """Steady demo workloads, adopted like a cut-over system: an active request with one
    allocation on a cloud host of the zone (hosts have room to spare in the demo city)."""
    held = set(session.scalars(select(Allocation.department_id).distinct()))
    for code, (vcpu, mem, disk, ips, mbps, zone) in DEMO_WORKLOADS.items():
        dept = session.scalar(select(Department).where(Department.code == code))
        host = session.scalar(
            select(Host)
            .where(Host.zone == zone, Host.provider_id.is_not(None), Host.vcpu >= vcpu)
            .order_by(Host.id)
        )
        if dept is None or host is None or dept.id in held:
            continue
        request = ResourceRequest(
            department_id=dept.id,
            title=f"{code} steady workload (demo)",
            justification="demo data: a few months of bills",
            state=RequestState.ACTIVE,
            estimated_monthly_cost=Decimal(0),
            created_by="system:demo",
            submitted_at=start,
            decided_at=start,
            placed_at=start,
        )
        item = RequestItem(
            name=f"{code}-app",
            vcpu=vcpu,
            memory_gib=mem,
            storage_gib=disk,
            public_ip=ips,
            bandwidth_mbps=mbps,
            zone=zone,
        )
        request.items.append(item)
        session.add(request)
        session.flush()
        session.add(
            Allocation(
                request_id=request.id,
                item_id=item.id,
                host_id=host.id,
                department_id=dept.id,
                zone=zone,
                vcpu=vcpu,
                memory_gib=mem,
                storage_gib=disk,
                created_at=start,
            )
        )
    session.flush()

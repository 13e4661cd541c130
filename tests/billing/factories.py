"""Builders for billing tests: a provider with a contract and a host, departments, and
requests with allocations made straight in the database (the request flow is not under test)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from billing.metering.service import sync_request
from billing.ratecards.service import load_default_card
from infra.inventory.enums import NetworkZone, SiteKind
from infra.inventory.models import Contract, Host, Provider, Site
from infra.tenancy.enums import DepartmentKind
from infra.tenancy.models import Department
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import Allocation, RequestItem, ResourceRequest
from tests import factories

SYSTEM = factories.SYSTEM
_n = itertools.count(1)
UTC = dt.UTC


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) wall-clock time as aware UTC."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(UTC)


@dataclass
class Billing:
    provider: Provider
    host: Host
    departments: list[Department]
    other_provider: Provider | None = None


def provider_with_host(session: Session, *, fee: str = "100000.00") -> tuple[Provider, Host]:
    n = next(_n)
    provider = Provider(code=f"prov-{n}", name=f"Provider {n}")
    session.add(provider)
    session.flush()
    session.add(
        Contract(
            provider_id=provider.id,
            reference=f"C-{n}",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2027, 12, 31),
            monthly_fee=Decimal(fee),
            sla_terms={},
        )
    )
    site = Site(code=f"site-{n}", name=f"Site {n}", kind=SiteKind.CLOUD, provider_id=provider.id)
    session.add(site)
    session.flush()
    host = Host(
        name=f"host-{n}",
        site_id=site.id,
        model="x",
        vcpu=512,
        cores=256,
        memory_gib=4096,
        disk_gib=100000,
        purchase_year=2025,
        provider_id=provider.id,
        zone=NetworkZone.EXTRANET,
    )
    session.add(host)
    session.flush()
    return provider, host


def scene(session: Session, departments: int = 2) -> Billing:
    provider, host = provider_with_host(session)
    city = factories.department(session, kind=DepartmentKind.CITY)
    depts = [
        factories.department(session, kind=DepartmentKind.DEPARTMENT, parent=city)
        for _ in range(departments)
    ]
    load_default_card(session, actor=SYSTEM, provider_ids=[provider.id])
    session.commit()
    return Billing(provider, host, depts)


def allocate(
    session: Session,
    *,
    department: Department,
    host: Host,
    start: dt.datetime,
    vcpu: int = 4,
    memory_gib: int = 8,
    storage_gib: int = 100,
    public_ip: int = 0,
    bandwidth_mbps: int = 0,
    zone: NetworkZone = NetworkZone.EXTRANET,
    activate: bool = True,
) -> ResourceRequest:
    """An active request with one item on ``host``; metering opened at ``start``."""
    request = ResourceRequest(
        department_id=department.id,
        title="t",
        justification="j",
        state=RequestState.ACTIVE,
        estimated_monthly_cost=Decimal(0),
        created_by="tests",
    )
    item = RequestItem(
        name="vm",
        vcpu=vcpu,
        memory_gib=memory_gib,
        storage_gib=storage_gib,
        public_ip=public_ip,
        bandwidth_mbps=bandwidth_mbps,
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
            department_id=department.id,
            zone=zone,
            vcpu=vcpu,
            memory_gib=memory_gib,
            storage_gib=storage_gib,
            created_at=start,
        )
    )
    session.flush()
    if activate:
        sync_request(session, request_id=request.id, at=start)
    session.commit()
    return request


def release(session: Session, request: ResourceRequest, when: dt.datetime) -> None:
    for alloc in session.query(Allocation).filter(Allocation.request_id == request.id):
        alloc.released_at = when
    request.state = RequestState.RELEASED
    session.flush()
    sync_request(session, request_id=request.id, at=when)
    session.commit()


def invoice(session: Session, dept: Department, *, month: dt.date = dt.date(2026, 9, 1)) -> Any:
    """An issued invoice of ``dept`` with one usage line (no close needed)."""
    from billing.invoices.enums import InvoiceKind, LineCategory
    from billing.invoices.models import InvoiceLine
    from billing.invoices.service import _issue

    line = InvoiceLine(
        usage_month=month,
        category=LineCategory.USAGE,
        service="ecs_vcpu",
        zone="extranet",
        version_id=None,
        tier=0,
        quantity_minutes=600,
        unit="vcpu_hour",
        unit_price=Decimal("0.08"),
        amount=Decimal("0.80"),
        description="ECS vCPU, extranet, tier 1",
    )
    made = _issue(
        session,
        department_id=dept.id,
        month=month,
        kind=InvoiceKind.INVOICE,
        lines=[line],
        actor=SYSTEM,
        sequence=next(_n),
    )
    session.commit()
    return made

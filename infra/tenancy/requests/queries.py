"""Read models over requests and their allocations, shared by pages, the API and the CLI.

The capacity roll-up lives here rather than in ``infra.inventory.queries`` because what is
*allocated* is the requests' business (inventory may not import requests): the inventory
query totals the hosts, this one adds what open allocations hold.  ``/capacity``,
``/api/v1/inventory/capacity`` and ``govcloud inventory capacity`` all read
:func:`shared_capacity`, so they cannot disagree.  The home pages count requests by state.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from infra.inventory.capacity import HostSize
from infra.inventory.models import Host
from infra.inventory.queries import PoolRow, capacity_overview
from infra.labels import N_
from infra.listing import Column, DateRangeFilter, EnumFilter, IntFilter, ListSpec
from infra.tenancy.models import Department
from infra.tenancy.queries import department_name
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import Allocation, RequestItem, ResourceRequest
from infra.tenancy.scope import Scope


def allocated_by_host(session: Session) -> dict[int, HostSize]:
    """What open allocations hold on each host (the capacity roll-up's ``allocated``)."""
    rows = session.execute(
        select(
            Allocation.host_id,
            func.sum(Allocation.vcpu),
            func.sum(Allocation.memory_gib),
            func.sum(Allocation.storage_gib),
        )
        .where(Allocation.released_at.is_(None))
        .group_by(Allocation.host_id)
    )
    return {host: HostSize(int(v), int(m), int(s)) for host, v, m, s in rows}


def shared_capacity(session: Session, *, reserve: Decimal) -> list[PoolRow]:
    """Shared-cloud capacity by provider and zone: total, allocatable after ``reserve``,
    allocated (open allocations) and free."""
    return capacity_overview(session, reserve=reserve, allocated=allocated_by_host(session))


def hosts_by_item(session: Session, *, request_id: int) -> dict[int, str]:
    """Where each item of the request runs now: item id → host name (open allocations)."""
    rows = session.execute(
        select(Allocation.item_id, Host.name)
        .join(Host, Host.id == Allocation.host_id)
        .where(Allocation.request_id == request_id, Allocation.released_at.is_(None))
    )
    return {int(item_id): str(name) for item_id, name in rows.all()}


def state_counts(session: Session, *, scope: Scope) -> dict[RequestState, int]:
    """How many requests ``scope`` sees in each state (states with none are left out)."""
    rows = session.execute(
        select(ResourceRequest.state, func.count())
        .where(scope.where(ResourceRequest.department_id))
        .group_by(ResourceRequest.state)
    )
    return {RequestState(state): int(count) for state, count in rows}


ITEMS = (
    select(func.count(RequestItem.id))
    .where(RequestItem.request_id == ResourceRequest.id)
    .correlate(ResourceRequest)
    .scalar_subquery()
)
VCPU = (
    select(func.coalesce(func.sum(RequestItem.vcpu), 0))
    .where(RequestItem.request_id == ResourceRequest.id)
    .correlate(ResourceRequest)
    .scalar_subquery()
)


# -- requests ------------------------------------------------------------------------------


def requests(scope: Scope) -> Select[Any]:
    """Requests visible in ``scope`` (their items and steps loaded for the API's schema)."""
    return (
        select(ResourceRequest)
        .join(Department, ResourceRequest.department_id == Department.id)
        .where(scope.where(ResourceRequest.department_id))
        .options(selectinload(ResourceRequest.items), selectinload(ResourceRequest.steps))
    )


@cache
def requests_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="requests",
        item="request",
        id_expr=ResourceRequest.id,
        columns=(
            Column("id", N_("Number"), ResourceRequest.id, "int"),
            Column("title", N_("Title"), ResourceRequest.title),
            Column("department", N_("Department"), department_name(Department, english=english)),
            Column("state", N_("State"), ResourceRequest.state, "enum"),
            Column("items", N_("Items"), ITEMS, "int"),
            Column("vcpu", N_("vCPU (cores)"), VCPU, "int"),
            Column(
                "estimated_monthly_cost",
                N_("Estimated monthly cost"),
                ResourceRequest.estimated_monthly_cost,
                "decimal",
            ),
            Column("submitted_at", N_("Submitted"), ResourceRequest.submitted_at, "datetime"),
        ),
        search=("title", "department"),
        filters=(
            EnumFilter("state", N_("State"), ResourceRequest.state, RequestState),
            IntFilter("department_id", N_("Department"), ResourceRequest.department_id),
            DateRangeFilter("submitted", N_("Submitted"), ResourceRequest.submitted_at),
        ),
        default_sort="-id",
        empty=N_("No requests to show."),
    )

"""Read models over requests and their allocations, shared by pages, the API and the CLI.

The capacity roll-up lives here rather than in ``infra.inventory.queries`` because what is
*allocated* is the requests' business (inventory may not import requests): the inventory
query totals the hosts, this one adds what open allocations hold.  ``/capacity``,
``/api/v1/inventory/capacity`` and ``govcloud inventory capacity`` all read
:func:`shared_capacity`, so they cannot disagree.  The home pages count requests by state.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.inventory.capacity import HostSize
from infra.inventory.models import Host
from infra.inventory.queries import PoolRow, capacity_overview
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import Allocation, ResourceRequest
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

"""Flow 2's last step: a cut-over system's legacy hosts retire and it becomes an allocation.

Called once the migration run has cut the system over (billing's subscription to
:class:`~infra.migration.events.SystemCutOver` calls it, then starts metering).  The system's
right-sized capacity becomes an active request with one item and one allocation on the
destination host, like any request that went through placement; it is adopted, not requested,
so no quota check stands in its way (the capacity is already running).  Idempotent: a second
call finds the request it made the first time.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.discovery.models import DiscoveryTarget
from infra.errors import NotFound
from infra.inventory.enums import HostStatus
from infra.inventory.models import Application, Host
from infra.migration.models import LegacySystem, MigrationRun, SystemServer
from infra.tenancy.requests.enums import RequestKind, RequestState
from infra.tenancy.requests.models import Allocation, RequestItem, ResourceRequest

ADOPTED_BY = "system:migration"


def adoption_key(system_id: int) -> str:
    return f"cutover:{system_id}"


def adopt_cut_over_system(
    session: Session, *, system_id: int, run_id: int, at: dt.datetime
) -> ResourceRequest | None:
    """Retire the system's legacy hosts and make it an active allocation on the destination
    host; returns the request (None when the destination is not a host of the inventory)."""
    system = session.get(LegacySystem, system_id)
    if system is None:
        raise NotFound("legacy_system", system_id)
    actor = Actor.system("migration")
    existing = session.scalars(
        select(ResourceRequest).where(
            ResourceRequest.created_by == ADOPTED_BY,
            ResourceRequest.idempotency_key == adoption_key(system_id),
        )
    ).first()
    targets = session.scalars(
        select(DiscoveryTarget)
        .join(SystemServer, SystemServer.target_id == DiscoveryTarget.id)
        .where(SystemServer.system_id == system_id)
    )
    for target in targets:
        host = session.get(Host, target.host_id) if target.host_id else None
        if host is not None and host.status is not HostStatus.RETIRED:
            host.status = HostStatus.RETIRED
            record(
                session,
                actor=actor,
                action="retire",
                entity="host",
                entity_id=host.id,
                department_id=system.department_id,
                after={"status": HostStatus.RETIRED.value, "system_id": system_id},
            )
    if existing is not None:
        session.flush()
        return existing
    run = session.get(MigrationRun, run_id)
    destination = session.get(DiscoveryTarget, run.destination_id) if run else None
    host = session.get(Host, destination.host_id) if destination and destination.host_id else None
    if host is None:
        session.flush()
        return None
    app = session.get(Application, system.application_id)
    assert app is not None
    sizes = {
        "vcpu": system.sized_vcpu or 1,
        "memory_gib": math.ceil(system.sized_memory_gib or Decimal(1)),
        "storage_gib": math.ceil(system.sized_storage_gib or Decimal(0)),
    }
    request = ResourceRequest(
        department_id=system.department_id,
        kind=RequestKind.NEW,
        title=f"Migrated system {app.code}",
        justification=f"Adopted at cut-over by migration run {run_id}",
        state=RequestState.ACTIVE,
        estimated_monthly_cost=Decimal(0),
        created_by=ADOPTED_BY,
        idempotency_key=adoption_key(system_id),
        submitted_at=at,
        decided_at=at,
        placed_at=at,
    )
    item = RequestItem(name=app.code[:100], zone=app.zone, mlps_level=app.mlps_level, **sizes)
    request.items.append(item)
    session.add(request)
    session.flush()
    session.add(
        Allocation(
            request_id=request.id,
            item_id=item.id,
            host_id=host.id,
            department_id=system.department_id,
            zone=app.zone,
            created_at=at,
            **sizes,
        )
    )
    session.flush()
    record(
        session,
        actor=actor,
        action="adopt",
        entity="resource_request",
        entity_id=request.id,
        department_id=system.department_id,
        after={"system_id": system_id, "run_id": run_id, "host_id": host.id, **sizes},
    )
    return request

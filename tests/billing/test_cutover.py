"""Flow 2's last step: a cut-over system's legacy host retires and metering starts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.metering.models import UsageInterval
from billing.metering.subscriptions import on_system_cut_over
from infra.discovery.models import DiscoveryTarget
from infra.inventory.enums import HostStatus, NetworkZone, SiteKind
from infra.inventory.models import Host, Site
from infra.migration.enums import RunKind
from infra.migration.events import SystemCutOver
from infra.migration.models import MigrationRun
from infra.tenancy.requests.models import Allocation
from tests.billing import factories as bf
from tests.infra.migration import builders


def test_cut_over_retires_the_legacy_host_and_starts_metering(session: Session) -> None:
    """Catches a cut-over that leaves the legacy host active, meters nothing, or (delivered
    twice) adopts the system twice."""
    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    room = Site(code="room-1", name="机房", kind=SiteKind.LEGACY_ROOM, department_id=dept.id)
    session.add(room)
    session.flush()
    legacy = Host(
        name="legacy-1",
        site_id=room.id,
        model="old",
        vcpu=8,
        cores=4,
        memory_gib=32,
        disk_gib=500,
        purchase_year=2015,
        department_id=dept.id,
        zone=NetworkZone.EXTRANET,
    )
    session.add(legacy)
    session.flush()
    source = DiscoveryTarget(address="10.0.0.5", host_id=legacy.id, department_id=dept.id)
    destination = DiscoveryTarget(address="10.9.0.5", host_id=world.host.id)
    session.add_all([source, destination])
    session.flush()
    system = builders.legacy_system(session, dept, servers=[source.id])
    system.sized_vcpu, system.sized_memory_gib = 4, Decimal("7.5")
    system.sized_storage_gib = Decimal("120.0")
    run = MigrationRun(
        system_id=system.id,
        kind=RunKind.CUTOVER,
        source_id=source.id,
        destination_id=destination.id,
        created_by="tests",
    )
    session.add(run)
    session.flush()
    at = bf.at(2026, 10, 10, 2, 30)
    event = SystemCutOver(system_id=system.id, department_id=dept.id, run_id=run.id, at=at)
    on_system_cut_over(session, event)
    on_system_cut_over(session, event)
    session.flush()
    assert session.get(Host, legacy.id).status is HostStatus.RETIRED  # type: ignore[union-attr]
    (alloc,) = session.scalars(select(Allocation).where(Allocation.department_id == dept.id))
    assert (alloc.host_id, alloc.vcpu, alloc.memory_gib, alloc.storage_gib) == (
        world.host.id,
        4,
        8,
        120,
    )
    intervals = session.scalars(
        select(UsageInterval).where(UsageInterval.allocation_id == alloc.id)
    )
    assert {(i.service.value, i.quantity, i.started_at) for i in intervals} == {
        ("ecs_vcpu", 4, at),
        ("ecs_memory", 8, at),
        ("block_ssd", 120, at),
    }

"""A small shared cloud and a legacy room, built through the real services for page tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from infra.inventory import service
from infra.inventory.addressing import allocate_address, create_subnet
from infra.inventory.enums import Carrier, DeviceKind, NetworkZone, SiteKind
from infra.inventory.models import Rack, Site
from infra.inventory.schemas import (
    CarrierLinkCreate,
    DeviceCreate,
    HostCreate,
    IpAllocate,
    ProviderCreate,
    RackCreate,
    SiteCreate,
    SubnetCreate,
)
from infra.tenancy.models import Department
from tests.factories import SYSTEM


@dataclass
class SmallCloud:
    site: Site
    rack: Rack
    room: Site
    hosts: int


def host(name: str, site: Site, rack: Rack | None, u: int | None, zone: NetworkZone) -> HostCreate:
    return HostCreate(
        name=name,
        site_id=site.id,
        rack_id=rack.id if rack else None,
        u_position=u,
        u_height=2,
        model="Huawei 2288H V6",
        vcpu=64,
        cores=32,
        memory_gib=256,
        disk_gib=4000,
        power_draw_w=600,
        purchase_year=2025,
        zone=zone,
    )


def small_cloud(session: Session, *, department: Department, hosts: int = 3) -> SmallCloud:
    provider = service.create_provider(
        session, data=ProviderCreate(code="tianyi", name="天翼云"), actor=SYSTEM
    )
    site = service.create_site(
        session,
        data=SiteCreate(code="east", name="东区", kind=SiteKind.CLOUD, provider_id=provider.id),
        actor=SYSTEM,
    )
    rack = service.create_rack(
        session,
        data=RackCreate(site_id=site.id, name="R01", power_budget_kw=Decimal("1.50")),
        actor=SYSTEM,
    )
    for n in range(hosts):
        service.create_host(
            session,
            data=host(f"east-h{n + 1}", site, rack, 1 + 2 * n, NetworkZone.EXTRANET),
            actor=SYSTEM,
        )
    service.create_device(
        session,
        data=DeviceCreate(
            name="east-tor1",
            kind=DeviceKind.NETWORK,
            site_id=site.id,
            rack_id=rack.id,
            u_position=42,
            model="CE6881",
            power_draw_w=150,
            purchase_year=2025,
        ),
        actor=SYSTEM,
    )
    room = service.create_site(
        session,
        data=SiteCreate(
            code="room-own",
            name="自建机房",
            kind=SiteKind.LEGACY_ROOM,
            department_id=department.id,
            floor_area_m2=Decimal("42.50"),
        ),
        actor=SYSTEM,
    )
    service.create_host(
        session, data=host("legacy-1", room, None, None, NetworkZone.INTRANET), actor=SYSTEM
    )
    service.create_link(
        session,
        data=CarrierLinkCreate(
            circuit_id="ckt-1",
            carrier=Carrier.CHINA_UNICOM,
            bandwidth_mbps=100,
            a_site_id=room.id,
            z_end="外网汇聚",
            zone=NetworkZone.EXTRANET,
            department_id=department.id,
            monthly_cost=Decimal("3300"),
        ),
        actor=SYSTEM,
    )
    subnet = create_subnet(
        session,
        data=SubnetCreate(cidr="10.16.0.0/22", zone=NetworkZone.EXTRANET, site_id=site.id),
        actor=SYSTEM,
    )
    allocate_address(session, subnet_id=subnet.id, data=IpAllocate(), actor=SYSTEM)
    session.commit()
    return SmallCloud(site, rack, room, hosts)

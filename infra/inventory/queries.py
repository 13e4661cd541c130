"""Reading the inventory: scoped lists, rack elevations and the capacity overview."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from infra.crud import paginate
from infra.errors import NotFound
from infra.inventory.capacity import (
    HostSize,
    PoolCapacity,
    PoolHost,
    RackUsage,
    Slot,
    pool_capacity,
    rack_usage,
)
from infra.inventory.enums import Carrier, DeviceKind, HostStatus, NetworkZone, SiteKind
from infra.inventory.models import (
    Application,
    CarrierLink,
    Device,
    Host,
    IpAddress,
    Provider,
    Rack,
    Site,
    Subnet,
)
from infra.inventory.network import usable_addresses
from infra.schemas import Page, PageParams
from infra.tenancy.scope import Scope, scoped


def list_rows(
    session: Session,
    model: type[Any],
    *,
    schema: type[BaseModel],
    scope: Scope,
    page: PageParams,
    filters: dict[str, Any],
) -> Page[Any]:
    """Rows of ``model`` matching ``filters`` (None values ignored) that ``scope`` may see.

    Scoping comes from the model's mixins (:func:`infra.tenancy.scope.scoped`): departments
    see their own legacy rooms, servers, devices and lines and every provider's name; a
    provider representative its own provider's contracts, cloud sites, racks and hosts.
    """
    query: Select[Any] = scoped(select(model), scope)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return paginate(session, query.order_by(model.id), page=page, schema=schema)


def get_row(session: Session, model: type[Any], key: int, *, entity: str, scope: Scope) -> Any:
    """The row, or NotFound when it does not exist or lies outside ``scope``."""
    row = session.scalar(scoped(select(model).where(model.id == key), scope))
    if row is None:
        raise NotFound(entity, key)
    return row


@dataclass(frozen=True)
class MountedItem:
    kind: str  # "host" or a device kind
    id: int
    name: str
    model: str
    u_position: int
    u_height: int
    power_draw_w: int
    status: str | None


@dataclass(frozen=True)
class Elevation:
    rack: Rack
    site: Site
    usage: RackUsage
    items: list[MountedItem]


def rack_elevation(session: Session, *, rack_id: int, scope: Scope) -> Elevation:
    """A rack with what is mounted in it, U by U, and its space and power use."""
    rack = session.scalar(scoped(select(Rack).where(Rack.id == rack_id), scope))
    site = session.get(Site, rack.site_id) if rack else None
    if rack is None or site is None:
        raise NotFound("rack", rack_id)
    items = [
        MountedItem(
            "host", h.id, h.name, h.model, h.u_position, h.u_height, h.power_draw_w, h.status.value
        )
        for h in session.scalars(select(Host).where(Host.rack_id == rack_id))
        if h.u_position is not None
    ] + [
        MountedItem(
            d.kind.value, d.id, d.name, d.model, d.u_position, d.u_height, d.power_draw_w, None
        )
        for d in session.scalars(select(Device).where(Device.rack_id == rack_id))
        if d.u_position is not None
    ]
    items.sort(key=lambda item: item.u_position)
    slots = [Slot(i.name, i.u_position, i.u_height, i.power_draw_w) for i in items]
    usage = rack_usage(rack.height_u, rack.power_budget_kw, slots)
    return Elevation(rack, site, usage, items)


@dataclass(frozen=True)
class PoolRow:
    provider: str
    zone: NetworkZone
    capacity: PoolCapacity


def capacity_overview(
    session: Session,
    *,
    reserve: Any,
    allocated: dict[int, HostSize] | None = None,
) -> list[PoolRow]:
    """Shared-cloud capacity by provider and zone: total, allocatable, allocated."""
    rows = session.execute(
        select(Host.id, Provider.code, Host.zone, Host.vcpu, Host.memory_gib, Host.disk_gib)
        .join(Site, Host.site_id == Site.id)
        .join(Provider, Host.provider_id == Provider.id)
        .where(Site.kind == SiteKind.CLOUD, Host.status == HostStatus.ACTIVE)
    )
    hosts = [
        PoolHost(host_id, provider, zone, HostSize(vcpu, memory, disk))
        for host_id, provider, zone, vcpu, memory, disk in rows
    ]
    pools = pool_capacity(hosts, reserve=reserve, allocated=allocated)
    return [
        PoolRow(provider, zone, pools[(provider, zone)])
        for provider, zone in sorted(pools, key=lambda key: (key[0], key[1].value))
    ]


def rack_usages(session: Session, racks: list[Rack]) -> dict[int, RackUsage]:
    """Space and power use of many racks in two grouped queries (for lists and overviews)."""
    ids = [rack.id for rack in racks]
    used: dict[int, list[int]] = {rack_id: [0, 0] for rack_id in ids}
    for model in (Host, Device):
        rows = session.execute(
            select(model.rack_id, func.sum(model.u_height), func.sum(model.power_draw_w))
            .where(model.rack_id.in_(ids), model.u_position.is_not(None))
            .group_by(model.rack_id)
        ).all()
        for rack_id, units, watts in rows:
            if rack_id is not None:
                used[rack_id][0] += int(units or 0)
                used[rack_id][1] += int(watts or 0)
    return {
        rack.id: RackUsage(
            rack.height_u,
            used[rack.id][0],
            rack.power_budget_kw,
            (Decimal(used[rack.id][1]) / 1000).quantize(Decimal("0.001")),
        )
        for rack in racks
    }


@dataclass(frozen=True)
class EstateSummary:
    """The legacy estate the cloud must absorb, as the survey counts it."""

    rooms: int
    floor_area_m2: Decimal
    servers: int
    devices: dict[DeviceKind, int]
    applications: dict[NetworkZone, int]
    lines: dict[Carrier, int]
    line_bandwidth_mbps: int


def estate_summary(session: Session, *, scope: Scope) -> EstateSummary:
    """Counts over the legacy rooms, servers, devices, applications and lines in scope."""
    legacy = select(Site.id).where(
        Site.kind == SiteKind.LEGACY_ROOM, scope.where(Site.department_id)
    )
    areas = session.scalars(select(Site.floor_area_m2).where(Site.id.in_(legacy))).all()
    servers = session.scalar(select(func.count()).where(Host.site_id.in_(legacy))) or 0
    devices = session.execute(
        select(Device.kind, func.count()).where(Device.site_id.in_(legacy)).group_by(Device.kind)
    ).all()
    apps = session.execute(
        select(Application.zone, func.count())
        .where(scope.where(Application.department_id))
        .group_by(Application.zone)
    ).all()
    lines = session.execute(
        select(CarrierLink.carrier, func.count(), func.sum(CarrierLink.bandwidth_mbps))
        .where(CarrierLink.a_site_id.in_(legacy))
        .group_by(CarrierLink.carrier)
    ).all()
    return EstateSummary(
        rooms=len(areas),
        floor_area_m2=sum((a for a in areas if a is not None), Decimal(0)),
        servers=servers,
        devices={kind: int(count) for kind, count in devices},
        applications={zone: int(count) for zone, count in apps},
        lines={carrier: int(count) for carrier, count, _ in lines},
        line_bandwidth_mbps=sum(int(mbps or 0) for _, _, mbps in lines),
    )


def subnet_usage(session: Session, subnet_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per subnet: addresses assigned, and assignable addresses in all."""
    used = dict(
        session.execute(
            select(IpAddress.subnet_id, func.count())
            .where(IpAddress.subnet_id.in_(subnet_ids))
            .group_by(IpAddress.subnet_id)
        ).all()
    )
    found = {}
    for subnet_id, cidr in session.execute(
        select(Subnet.id, Subnet.cidr).where(Subnet.id.in_(subnet_ids))
    ):
        first, last = usable_addresses(ipaddress.ip_network(cidr))
        found[subnet_id] = (int(used.get(subnet_id, 0)), max(0, last - first + 1))
    return found

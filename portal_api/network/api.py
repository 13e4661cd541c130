"""Inventory API, continued: subnets and addresses, carrier links, racks' elevations and the
capacity overview."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel
from sqlalchemy import select

from infra.inventory import addressing, queries, service
from infra.inventory.enums import Carrier, NetworkZone
from infra.inventory.models import CarrierLink, IpAddress, Subnet
from infra.inventory.schemas import (
    CarrierLinkCreate,
    CarrierLinkRead,
    IpAllocate,
    IpRead,
    RackRead,
    SiteRead,
    SubnetCarve,
    SubnetCreate,
    SubnetRead,
)
from infra.schemas import Page, PageParams
from infra.tenancy.requests.queries import shared_capacity
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(prefix="/inventory", tags=["inventory"])
Paging = Annotated[PageParams, Query()]


@router.get("/subnets", response_model=Page[SubnetRead])
def list_subnets(
    session: SessionDep,
    who: access.InventoryRead,
    page: Paging,
    zone: NetworkZone | None = None,
    site_id: int | None = None,
) -> Page[SubnetRead]:
    return queries.list_rows(
        session,
        Subnet,
        schema=SubnetRead,
        scope=who.scope,
        page=page,
        filters={"zone": zone, "site_id": site_id},
    )


@router.post("/subnets", response_model=SubnetRead, status_code=status.HTTP_201_CREATED)
def create_subnet(
    session: SessionDep, who: access.InventoryWrite, data: SubnetCreate
) -> SubnetRead:
    """Add a subnet; 409 naming the clashing subnets when it overlaps any in its zone."""
    return SubnetRead.model_validate(addressing.create_subnet(session, data=data, actor=who.actor))


@router.post("/subnets/carve", response_model=SubnetRead, status_code=status.HTTP_201_CREATED)
def carve_subnet(session: SessionDep, who: access.InventoryWrite, data: SubnetCarve) -> SubnetRead:
    """Allocate the next free prefix of the asked length inside a parent block."""
    return SubnetRead.model_validate(addressing.carve_subnet(session, data=data, actor=who.actor))


@router.get("/subnets/{subnet_id}/addresses", response_model=list[IpRead])
def list_addresses(session: SessionDep, who: access.InventoryRead, subnet_id: int) -> list[IpRead]:
    queries.get_row(session, Subnet, subnet_id, entity="subnet", scope=who.scope)
    rows = session.scalars(
        select(IpAddress).where(IpAddress.subnet_id == subnet_id).order_by(IpAddress.id)
    )
    return [IpRead.model_validate(r) for r in rows]


@router.post(
    "/subnets/{subnet_id}/addresses", response_model=IpRead, status_code=status.HTTP_201_CREATED
)
def allocate_address(
    session: SessionDep, who: access.InventoryWrite, subnet_id: int, data: IpAllocate
) -> IpRead:
    """Assign a given address, or the lowest free one when none is given."""
    row = addressing.allocate_address(session, subnet_id=subnet_id, data=data, actor=who.actor)
    return IpRead.model_validate(row)


@router.get("/links", response_model=Page[CarrierLinkRead])
def list_links(
    session: SessionDep,
    who: access.InventoryRead,
    page: Paging,
    carrier: Carrier | None = None,
    department_id: int | None = None,
) -> Page[CarrierLinkRead]:
    return queries.list_rows(
        session,
        CarrierLink,
        schema=CarrierLinkRead,
        scope=who.scope,
        page=page,
        filters={"carrier": carrier, "department_id": department_id},
    )


@router.post("/links", response_model=CarrierLinkRead, status_code=status.HTTP_201_CREATED)
def create_link(
    session: SessionDep, who: access.InventoryWrite, data: CarrierLinkCreate
) -> CarrierLinkRead:
    return CarrierLinkRead.model_validate(service.create_link(session, data=data, actor=who.actor))


class MountedRead(BaseModel):
    kind: str
    id: int
    name: str
    model: str
    u_position: int
    u_height: int
    power_draw_w: int
    status: str | None


class ElevationRead(BaseModel):
    rack: RackRead
    site: SiteRead
    u_used: int
    u_free: int
    power_budget_kw: Decimal
    power_drawn_kw: Decimal
    power_percent: Decimal
    over_power_budget: bool
    items: list[MountedRead]


@router.get("/racks/{rack_id}/elevation", response_model=ElevationRead)
def rack_elevation(session: SessionDep, who: access.ProviderRead, rack_id: int) -> ElevationRead:
    """What is mounted in the rack, U by U, with its space and power use."""
    found = queries.rack_elevation(session, rack_id=rack_id, scope=who.scope)
    usage = found.usage
    return ElevationRead(
        rack=RackRead.model_validate(found.rack),
        site=SiteRead.model_validate(found.site),
        u_used=usage.u_used,
        u_free=usage.u_free,
        power_budget_kw=usage.power_budget_kw,
        power_drawn_kw=usage.power_drawn_kw,
        power_percent=usage.power_percent,
        over_power_budget=usage.over_power_budget,
        items=[MountedRead.model_validate(item, from_attributes=True) for item in found.items],
    )


class PoolRead(BaseModel):
    provider: str
    zone: NetworkZone
    hosts: int
    total: dict[str, int]
    allocatable: dict[str, int]
    allocated: dict[str, int]
    free: dict[str, int]


@router.get("/capacity", response_model=list[PoolRead])
def capacity(request: Request, session: SessionDep, who: access.InventoryRead) -> list[PoolRead]:
    """Shared-cloud capacity by provider and zone, after the configured host reserve."""
    if not who.scope.is_global:
        return []
    reserve = request.app.state.settings.inventory.host_reserve
    return [
        PoolRead(
            provider=row.provider,
            zone=row.zone,
            hosts=row.capacity.hosts,
            total=row.capacity.total,
            allocatable=row.capacity.allocatable,
            allocated=row.capacity.allocated,
            free={r: row.capacity.free(r) for r in row.capacity.total},
        )
        for row in shared_capacity(session, reserve=reserve)
    ]

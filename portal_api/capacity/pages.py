"""A rack's elevation (SVG: what sits in which U, and its power against the budget) and the
capacity overview (shared cloud by provider and zone; the legacy estate it must absorb)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.responses import Response

from infra.inventory import queries
from infra.inventory.capacity import RESOURCES
from infra.inventory.enums import NetworkZone, SiteKind
from infra.inventory.models import Provider, Rack, Site
from infra.labels import N_
from infra.tenancy.requests.queries import shared_capacity
from portal_api.deps import SessionDep
from portal_api.inventory.pages import TABLES
from portal_api.web import access
from portal_api.web.render import render

router = APIRouter()

U_PX = 18  # height of one rack unit in the drawing
RACK_X, RACK_W, TOP = 40, 300, 10
RESOURCE_LABELS = {
    "vcpu": N_("vCPU"),
    "memory_gib": N_("Memory (GiB)"),
    "storage_gib": N_("Storage (GiB)"),
}


@dataclass(frozen=True)
class Box:
    """One mounted item placed in the drawing."""

    kind: str
    name: str
    model: str
    u_position: int
    u_height: int
    power_draw_w: int
    y: int
    height: int


@router.get("/inventory/racks/{rack_id}", response_class=HTMLResponse)
def rack_page(
    request: Request, session: SessionDep, viewer: access.InventoryRead, rack_id: int
) -> Response:
    found = queries.rack_elevation(session, rack_id=rack_id, scope=viewer.scope)
    height = found.rack.height_u
    boxes = [
        Box(
            "host" if item.kind == "host" else "device",
            item.name,
            item.model,
            item.u_position,
            item.u_height,
            item.power_draw_w,
            TOP + (height - (item.u_position + item.u_height - 1)) * U_PX,
            item.u_height * U_PX,
        )
        for item in found.items
    ]
    usage = found.usage
    context = {
        "tables": TABLES,
        "rack": found.rack,
        "site": found.site,
        "usage": usage,
        "boxes": boxes,
        "units": [(u, TOP + (height - u) * U_PX) for u in range(1, height + 1)],
        "svg": {
            "width": RACK_X + RACK_W + 10,
            "height": TOP * 2 + height * U_PX,
            "x": RACK_X,
            "w": RACK_W,
            "top": TOP,
            "u": U_PX,
        },
        "bar": min(Decimal(100), usage.power_percent) * 3,  # 300 px wide at 100 %
        "hosts": sum(1 for b in boxes if b.kind == "host"),
    }
    return render(request, "inventory/rack.html", context)


@router.get("/capacity", response_class=HTMLResponse)
def capacity_page(request: Request, session: SessionDep, viewer: access.InventoryRead) -> Response:
    reserve = request.app.state.settings.inventory.host_reserve
    pools = shared_capacity(session, reserve=reserve) if viewer.scope.is_global else []
    racks = (
        list(
            session.scalars(
                select(Rack)
                .join(Site, Rack.site_id == Site.id)
                .where(Site.kind == SiteKind.CLOUD)
                .order_by(Site.code, Rack.name)
            )
        )
        if viewer.scope.is_global
        else []
    )
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.kind == SiteKind.CLOUD))}
    totals = {
        zone: {
            r: sum(p.capacity.allocatable[r] for p in pools if p.zone == zone) for r in RESOURCES
        }
        for zone in NetworkZone
        if any(p.zone == zone for p in pools)
    }
    context = {
        "pools": pools,
        "resources": [(r, RESOURCE_LABELS[r]) for r in RESOURCES],
        "totals": totals,
        "reserve_percent": format((reserve * 100).normalize(), "f"),
        "provider_names": dict(session.execute(select(Provider.code, Provider.name)).all()),
        "racks": racks,
        "sites": sites,
        "usages": queries.rack_usages(session, racks),
        "estate": queries.estate_summary(session, scope=viewer.scope),
        "zones": list(NetworkZone),
        "shared_visible": viewer.scope.is_global,
    }
    return render(request, "inventory/capacity.html", context)

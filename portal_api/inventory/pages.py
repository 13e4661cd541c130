"""Inventory lists: sites, racks, hosts, devices, subnets and carrier links, with filters.

One template draws every list from a declared table (columns, filters, lookups), so a new
list is a few lines of data here rather than another page of markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.errors import ROLE_MAY_NOT, NotFound, PermissionDenied
from infra.inventory import list_queries, queries
from infra.inventory.enums import Carrier, DeviceKind, HostStatus, NetworkZone, SiteKind
from infra.inventory.models import (
    Application,
    CarrierLink,
    Contract,
    Device,
    Host,
    Provider,
    Rack,
    Site,
    Subnet,
)
from infra.inventory.schemas import (
    ApplicationRead,
    CarrierLinkRead,
    ContractRead,
    DeviceRead,
    HostRead,
    ProviderRead,
    RackRead,
    SiteRead,
    SubnetRead,
)
from infra.labels import N_
from infra.listing import ListSpec
from infra.schemas import PageParams
from infra.tenancy.enums import Role
from infra.tenancy.scope import Scope, scoped
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, i18n
from portal_api.web.auth import Viewer
from portal_api.web.listing import department_choices, english, list_response
from portal_api.web.lists import PAGE_SIZE, Pager, opt_enum, opt_int, visible_departments
from portal_api.web.render import locale_for, render

router = APIRouter(prefix="/inventory")
# Provider data (providers, contracts, cloud sites, racks, hosts) is also a provider
# representative's to read, scoped to its provider; the other lists need inventory:read.


@dataclass(frozen=True)
class Column:
    label: str
    attr: str
    kind: str = "text"  # text | enum | number | money | ref | link | terms
    ref: str = ""  # lookup table for "ref" columns
    href: str = ""  # "/inventory/racks/{}" for "link" columns (formatted with the value)


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    enum: list[StrEnum] = field(default_factory=list)
    ref: str = ""  # options from a lookup table instead


@dataclass(frozen=True)
class Table:
    path: str
    title: str
    model: type[Any]
    schema: type[BaseModel]
    columns: list[Column]
    filters: list[Filter]
    empty: str
    global_only: bool = False  # the shared cloud's own records: no department has any
    provider_data: bool = False  # a provider representative reads its own provider's rows


SITE = Column(N_("Site"), "site_id", "ref", ref="sites")
ZONE = Column(N_("Network zone"), "zone", "enum")
TABLES = {
    "providers": Table(
        "providers",
        N_("Providers"),
        Provider,
        ProviderRead,
        [
            Column(N_("Code"), "code"),
            Column(N_("Name"), "name"),
            Column(N_("English name"), "name_en"),
            Column(N_("Contact"), "contact"),
        ],
        [],
        N_("No providers to show."),
        global_only=True,
        provider_data=True,
    ),
    "contracts": Table(
        "contracts",
        N_("Contracts"),
        Contract,
        ContractRead,
        [
            Column(N_("Reference"), "reference"),
            Column(N_("Provider"), "provider_id", "ref", ref="providers"),
            Column(N_("Starts on"), "starts_on"),
            Column(N_("Ends on"), "ends_on"),
            Column(N_("Monthly fee (CNY)"), "monthly_fee", "money"),
            Column(N_("SLA terms"), "sla_terms", "terms"),
        ],
        [Filter("provider_id", N_("Provider"), ref="providers")],
        N_("No contracts to show."),
        global_only=True,
        provider_data=True,
    ),
    "sites": Table(
        "sites",
        N_("Sites"),
        Site,
        SiteRead,
        [
            Column(N_("Code"), "code"),
            Column(N_("Name"), "name"),
            Column(N_("Kind"), "kind", "enum"),
            Column(N_("Provider"), "provider_id", "ref", ref="providers"),
            Column(N_("Department"), "department_id", "ref", ref="departments"),
            Column(N_("Floor area (m²)"), "floor_area_m2", "number"),
        ],
        [
            Filter("kind", N_("Kind"), enum=list(SiteKind)),
            Filter("provider_id", N_("Provider"), ref="providers"),
            Filter("department_id", N_("Department"), ref="departments"),
        ],
        N_("No sites to show."),
        provider_data=True,
    ),
    "racks": Table(
        "racks",
        N_("Racks"),
        Rack,
        RackRead,
        [
            Column(N_("Rack"), "id", "link", ref="racks", href="/inventory/racks/{}"),
            SITE,
            Column(N_("Height (U)"), "height_u", "number"),
            Column(N_("Power budget (kW)"), "power_budget_kw", "number"),
        ],
        [Filter("site_id", N_("Site"), ref="sites")],
        N_("No racks to show."),
        global_only=True,
        provider_data=True,
    ),
    "hosts": Table(
        "hosts",
        N_("Hosts"),
        Host,
        HostRead,
        [
            Column(N_("Name"), "name"),
            SITE,
            Column(N_("Rack"), "rack_id", "link", ref="racks", href="/inventory/racks/{}"),
            Column(N_("U position"), "u_position", "number"),
            Column(N_("Provider"), "provider_id", "ref", ref="providers"),
            ZONE,
            Column(N_("vCPU"), "vcpu", "number"),
            Column(N_("Memory (GiB)"), "memory_gib", "number"),
            Column(N_("Disk (GiB)"), "disk_gib", "number"),
            Column(N_("Highest MLPS level"), "max_mlps_level", "number"),
            Column(N_("Purchase year"), "purchase_year"),
            Column(N_("Status"), "status", "enum"),
        ],
        [
            Filter("site_id", N_("Site"), ref="sites"),
            Filter("provider_id", N_("Provider"), ref="providers"),
            Filter("zone", N_("Network zone"), enum=list(NetworkZone)),
            Filter("status", N_("Status"), enum=list(HostStatus)),
        ],
        N_("No hosts to show."),
        provider_data=True,
    ),
    "devices": Table(
        "devices",
        N_("Devices"),
        Device,
        DeviceRead,
        [
            Column(N_("Name"), "name"),
            Column(N_("Kind"), "kind", "enum"),
            SITE,
            Column(N_("Model"), "model"),
            Column(N_("Power draw (W)"), "power_draw_w", "number"),
            Column(N_("Purchase year"), "purchase_year"),
        ],
        [
            Filter("kind", N_("Kind"), enum=list(DeviceKind)),
            Filter("site_id", N_("Site"), ref="sites"),
        ],
        N_("No devices to show."),
    ),
    "subnets": Table(
        "subnets",
        N_("Subnets"),
        Subnet,
        SubnetRead,
        [
            Column(N_("Network"), "cidr"),
            ZONE,
            Column(N_("Addresses assigned"), "id", "ref", ref="subnet_usage"),
            Column(N_("VLAN"), "vlan"),
            SITE,
            Column(N_("Description"), "description"),
        ],
        [
            Filter("zone", N_("Network zone"), enum=list(NetworkZone)),
            Filter("site_id", N_("Site"), ref="sites"),
        ],
        N_("No subnets to show."),
        global_only=True,
    ),
    "applications": Table(
        "applications",
        N_("Applications"),
        Application,
        ApplicationRead,
        [
            Column(N_("Code"), "code"),
            Column(N_("Name"), "name"),
            Column(N_("Department"), "department_id", "ref", ref="departments"),
            ZONE,
            Column(N_("MLPS level"), "mlps_level", "number"),
            SITE,
        ],
        [
            Filter("zone", N_("Network zone"), enum=list(NetworkZone)),
            Filter("department_id", N_("Department"), ref="departments"),
        ],
        N_("No applications to show."),
    ),
    "links": Table(
        "links",
        N_("Carrier links"),
        CarrierLink,
        CarrierLinkRead,
        [
            Column(N_("Circuit"), "circuit_id"),
            Column(N_("Carrier"), "carrier", "enum"),
            Column(N_("Bandwidth (Mbit/s)"), "bandwidth_mbps", "number"),
            Column(N_("Site"), "a_site_id", "ref", ref="sites"),
            Column(N_("Far end"), "z_end"),
            ZONE,
            Column(N_("Monthly cost (CNY)"), "monthly_cost", "number"),
        ],
        [
            Filter("carrier", N_("Carrier"), enum=list(Carrier)),
            Filter("zone", N_("Network zone"), enum=list(NetworkZone)),
            Filter("a_site_id", N_("Site"), ref="sites"),
        ],
        N_("No carrier links to show."),
    ),
}


def _lookups(session: Session, scope: Scope, locale: str) -> dict[str, dict[Any, str]]:
    """Names for the ids a list shows (and the options of its filters), in ``locale``."""
    sites = session.execute(
        scoped(select(Site.id, Site.code, Site.name), scope, Site).order_by(Site.code)
    ).all()
    providers = session.scalars(scoped(select(Provider), scope, Provider)).all()
    racks = session.execute(
        scoped(select(Rack.id, Rack.name, Site.code), scope, Rack).join(
            Site, Rack.site_id == Site.id
        )
    ).all()
    return {
        "sites": {i: f"{code} · {name}" for i, code, name in sites},
        "providers": {p.id: i18n.local_name(p, locale) for p in providers},
        "racks": {i: f"{site} {name}" for i, name, site in racks},
        "departments": {
            d.id: i18n.local_name(d, locale) for d in visible_departments(session, scope)
        },
    }


Converter = Callable[[str | None], Any]


def _converter(spec: Filter) -> Converter:
    if spec.enum:
        enum_cls = type(spec.enum[0])
        return lambda raw: opt_enum(enum_cls, raw)
    return opt_int


@router.get("", response_class=HTMLResponse)
def index(viewer: access.ProviderRead) -> Response:
    first = (
        "sites" if viewer.scope.is_global or viewer.role is Role.PROVIDER_REP else "applications"
    )
    return RedirectResponse(f"/inventory/{first}", status_code=303)


@router.get("/{table_name}", response_class=HTMLResponse)
def list_page(
    request: Request,
    session: SessionDep,
    viewer: access.ProviderRead,
    table_name: str,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    table = TABLES.get(table_name)
    if table is None:
        raise NotFound("inventory list", table_name)
    if not table.provider_data and not viewer.can(Permission.INVENTORY_READ):
        raise PermissionDenied(
            f"role: a {viewer.role.value} may not read {table_name}",
            code=ROLE_MAY_NOT,
            params={"role": viewer.role},
        )
    if table_name in LISTED:
        return _listed(request, session, viewer, table)
    chosen = {f.name: _converter(f)(request.query_params.get(f.name)) for f in table.filters}
    found = queries.list_rows(
        session,
        table.model,
        schema=table.schema,
        scope=viewer.scope,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        filters=chosen,
    )
    params = {name: "" if value is None else str(value) for name, value in chosen.items()}
    refs = _lookups(session, viewer.scope, locale_for(request, viewer))
    if table.model is Subnet:
        usage = queries.subnet_usage(session, [row.id for row in found.items])
        refs["subnet_usage"] = {key: f"{used} / {size:,}" for key, (used, size) in usage.items()}
    context = {
        "table": table,
        "tables": TABLES,
        "rows": found.items,
        "refs": refs,
        "chosen": params,
        "pager": Pager(found.total, found.offset, found.limit, f"/inventory/{table.path}", params),
    }
    return render(request, "inventory/list.html", context)


# Lists on the list component: (its declaration for the page's language, its read model).
LISTED: dict[str, tuple[Callable[[bool], ListSpec], Callable[[Scope], Select[Any]]]] = {
    "sites": (lambda en: list_queries.sites_list(english=en), list_queries.sites),
    "hosts": (lambda en: list_queries.hosts_list(), list_queries.hosts),
    "devices": (lambda en: list_queries.devices_list(), list_queries.devices),
    "applications": (
        lambda en: list_queries.applications_list(english=en),
        list_queries.applications,
    ),
}


def _listed(request: Request, session: Session, viewer: Viewer, table: Table) -> Response:
    """A list drawn by the list component (sort, search, export); its read model joins the
    names the other lists look up."""
    spec, read_model = LISTED[table.path]
    refs = _lookups(session, viewer.scope, locale_for(request, viewer))

    def options(ref: str) -> list[tuple[str, str]]:
        return [(str(key), text) for key, text in refs[ref].items()]

    return list_response(
        request,
        session,
        spec(english(request)),
        read_model(viewer.scope),
        template="inventory/list.html",
        path=f"/inventory/{table.path}",
        context={"table": table, "tables": TABLES},
        options={
            "site_id": options("sites"),
            "rack_id": options("racks"),
            "provider_id": options("providers"),
            "department_id": department_choices(
                request, visible_departments(session, viewer.scope)
            ),
        },
        # The rack page needs inventory:read; a provider's representative reads the lists only.
        links=(
            {"rack": "/inventory/racks/{row.rack_id}"}
            if viewer.can(Permission.INVENTORY_READ)
            else {}
        ),
    )

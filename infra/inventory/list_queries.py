"""Read models of the inventory lists on the list component (:mod:`infra.listing`): each a
scoped select joining the names its columns show, and the list's declaration.  (The other
inventory lists still draw from :func:`infra.inventory.queries.list_rows`.)"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from infra.inventory.enums import DeviceKind, HostStatus, NetworkZone, SiteKind
from infra.inventory.models import Application, Device, Host, Provider, Rack, Site
from infra.labels import N_
from infra.listing import Column, EnumFilter, IntFilter, ListSpec
from infra.tenancy.models import Department
from infra.tenancy.queries import department_name
from infra.tenancy.scope import Scope, scoped

# -- hosts ---------------------------------------------------------------------------------

HostSite = aliased(Site, name="host_site")
HostRack = aliased(Rack, name="host_rack")
HostProvider = aliased(Provider, name="host_provider")


def hosts(scope: Scope) -> Select[Any]:
    """Hosts ``scope`` may see, with their site, rack and provider for the list's columns."""
    return scoped(
        select(Host)
        .join(HostSite, Host.site_id == HostSite.id)
        .outerjoin(HostRack, Host.rack_id == HostRack.id)
        .outerjoin(HostProvider, Host.provider_id == HostProvider.id),
        scope,
        Host,
    )


@cache
def hosts_list() -> ListSpec:
    return ListSpec(
        name="hosts",
        item="hosts",
        id_expr=Host.id,
        columns=(
            Column("name", N_("Name"), Host.name, "code"),
            Column("site", N_("Site"), HostSite.code + " · " + HostSite.name),
            Column("rack", N_("Rack"), HostRack.name),
            Column("u_position", N_("U position"), Host.u_position, "int"),
            Column("provider", N_("Provider"), HostProvider.name),
            Column("zone", N_("Network zone"), Host.zone, "enum"),
            Column("vcpu", N_("vCPU"), Host.vcpu, "int"),
            Column("memory_gib", N_("Memory (GiB)"), Host.memory_gib, "int"),
            Column("disk_gib", N_("Disk (GiB)"), Host.disk_gib, "int"),
            Column("max_mlps_level", N_("Highest MLPS level"), Host.max_mlps_level, "int"),
            Column("purchase_year", N_("Purchase year"), Host.purchase_year, "int"),
            Column("status", N_("Status"), Host.status, "enum"),
        ),
        search=("name", "site", "rack"),
        filters=(
            IntFilter("site_id", N_("Site"), Host.site_id),
            IntFilter("rack_id", N_("Rack"), Host.rack_id),
            IntFilter("provider_id", N_("Provider"), Host.provider_id),
            EnumFilter("zone", N_("Network zone"), Host.zone, NetworkZone),
            EnumFilter("status", N_("Status"), Host.status, HostStatus),
            IntFilter("department_id", N_("Department"), Host.department_id),
        ),
        default_sort="id",
        empty=N_("No hosts to show."),
    )


# -- sites ---------------------------------------------------------------------------------

SiteProvider = aliased(Provider, name="site_provider")
SiteDepartment = aliased(Department, name="site_department")


def sites(scope: Scope) -> Select[Any]:
    return scoped(
        select(Site)
        .outerjoin(SiteProvider, Site.provider_id == SiteProvider.id)
        .outerjoin(SiteDepartment, Site.department_id == SiteDepartment.id),
        scope,
        Site,
    )


@cache
def sites_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="sites",
        id_expr=Site.id,
        columns=(
            Column("code", N_("Code"), Site.code, "code"),
            Column("name", N_("Name"), Site.name),
            Column("kind", N_("Kind"), Site.kind, "enum"),
            Column("provider", N_("Provider"), SiteProvider.name),
            Column(
                "department", N_("Department"), department_name(SiteDepartment, english=english)
            ),
            Column("floor_area_m2", N_("Floor area (m²)"), Site.floor_area_m2, "decimal"),
        ),
        search=("code", "name"),
        filters=(
            EnumFilter("kind", N_("Kind"), Site.kind, SiteKind),
            IntFilter("provider_id", N_("Provider"), Site.provider_id),
            IntFilter("department_id", N_("Department"), Site.department_id),
        ),
        default_sort="id",
        empty=N_("No sites to show."),
    )


# -- devices and applications ----------------------------------------------------------------

DeviceSite = aliased(Site, name="device_site")
ApplicationSite = aliased(Site, name="application_site")


def devices(scope: Scope) -> Select[Any]:
    return scoped(select(Device).join(DeviceSite, Device.site_id == DeviceSite.id), scope, Device)


@cache
def devices_list() -> ListSpec:
    return ListSpec(
        name="devices",
        id_expr=Device.id,
        columns=(
            Column("name", N_("Name"), Device.name, "code"),
            Column("kind", N_("Kind"), Device.kind, "enum"),
            Column("site", N_("Site"), DeviceSite.code + " · " + DeviceSite.name),
            Column("model", N_("Model"), Device.model),
            Column("power_draw_w", N_("Power draw (W)"), Device.power_draw_w, "int"),
            Column("purchase_year", N_("Purchase year"), Device.purchase_year, "int"),
        ),
        search=("name", "model", "site"),
        filters=(
            EnumFilter("kind", N_("Kind"), Device.kind, DeviceKind),
            IntFilter("site_id", N_("Site"), Device.site_id),
            IntFilter("department_id", N_("Department"), Device.department_id),
        ),
        default_sort="id",
        empty=N_("No devices to show."),
    )


def applications(scope: Scope) -> Select[Any]:
    return scoped(
        select(Application)
        .join(Department, Application.department_id == Department.id)
        .outerjoin(ApplicationSite, Application.site_id == ApplicationSite.id),
        scope,
        Application,
    )


@cache
def applications_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="applications",
        id_expr=Application.id,
        columns=(
            Column("code", N_("Code"), Application.code, "code"),
            Column("name", N_("Name"), Application.name),
            Column("department", N_("Department"), department_name(Department, english=english)),
            Column("zone", N_("Network zone"), Application.zone, "enum"),
            Column("mlps_level", N_("MLPS level"), Application.mlps_level, "int"),
            Column("site", N_("Site"), ApplicationSite.code + " · " + ApplicationSite.name),
        ),
        search=("code", "name", "department"),
        filters=(
            EnumFilter("zone", N_("Network zone"), Application.zone, NetworkZone),
            IntFilter("department_id", N_("Department"), Application.department_id),
        ),
        default_sort="id",
        empty=N_("No applications to show."),
    )

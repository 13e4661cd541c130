"""Providers, sites, racks, hosts, devices, applications and links: rules and writes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.crud import add_audited, ensure_unique, get_or_404, update_audited
from infra.errors import InvalidInput
from infra.inventory.capacity import Slot, slot_collisions
from infra.inventory.enums import SiteKind
from infra.inventory.models import (
    Application,
    CarrierLink,
    Contract,
    Device,
    Host,
    Provider,
    Rack,
    Site,
)
from infra.inventory.schemas import (
    ApplicationCreate,
    CarrierLinkCreate,
    ContractCreate,
    DeviceCreate,
    HostCreate,
    HostUpdate,
    Mounting,
    ProviderCreate,
    ProviderUpdate,
    RackCreate,
    SiteCreate,
    SiteUpdate,
)
from infra.tenancy.models import Department


def _exists(session: Session, model: type, key: int | None, field: str, what: str) -> None:
    if key is not None and session.get(model, key) is None:
        raise InvalidInput.one(field, f"{what} {key} does not exist")


# -- providers and contracts ---------------------------------------------------------------


def create_provider(session: Session, *, data: ProviderCreate, actor: Actor) -> Provider:
    """Register a contracted provider."""
    ensure_unique(session, Provider, "code", data.code, what="provider")
    return add_audited(session, Provider(**data.model_dump()), actor=actor, entity="provider")


def update_provider(
    session: Session, *, provider_id: int, data: ProviderUpdate, actor: Actor
) -> Provider:
    provider = get_or_404(session, Provider, provider_id, entity="provider")
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise InvalidInput.one("name", "may not be empty")
    return update_audited(session, provider, changes, actor=actor, entity="provider")


def create_contract(session: Session, *, data: ContractCreate, actor: Actor) -> Contract:
    """Record a provider's contract: term, monthly fee and SLA terms."""
    _exists(session, Provider, data.provider_id, "provider_id", "provider")
    ensure_unique(session, Contract, "reference", data.reference, what="contract")
    return add_audited(session, Contract(**data.model_dump()), actor=actor, entity="contract")


# -- sites and racks -----------------------------------------------------------------------


def create_site(session: Session, *, data: SiteCreate, actor: Actor) -> Site:
    """A cloud site belongs to a provider; a legacy room to a department."""
    ensure_unique(session, Site, "code", data.code, what="site")
    if data.kind is SiteKind.CLOUD:
        if data.provider_id is None:
            raise InvalidInput.one("provider_id", "a cloud site is run by a provider: name it")
        if data.department_id is not None:
            raise InvalidInput.one("department_id", "a cloud site is shared, not a department's")
    else:
        if data.department_id is None:
            raise InvalidInput.one("department_id", "a legacy machine room belongs to a department")
        if data.provider_id is not None:
            raise InvalidInput.one("provider_id", "a legacy machine room has no cloud provider")
    _exists(session, Provider, data.provider_id, "provider_id", "provider")
    _exists(session, Department, data.department_id, "department_id", "department")
    site = Site(**data.model_dump())
    return add_audited(session, site, actor=actor, entity="site", department_id=site.department_id)


def update_site(session: Session, *, site_id: int, data: SiteUpdate, actor: Actor) -> Site:
    site = get_or_404(session, Site, site_id, entity="site")
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise InvalidInput.one("name", "may not be empty")
    return update_audited(
        session, site, changes, actor=actor, entity="site", department_id=site.department_id
    )


def create_rack(session: Session, *, data: RackCreate, actor: Actor) -> Rack:
    _exists(session, Site, data.site_id, "site_id", "site")
    taken = session.scalar(
        select(Rack.id).where(Rack.site_id == data.site_id, Rack.name == data.name)
    )
    if taken is not None:
        raise InvalidInput.one("name", f"site {data.site_id} already has a rack {data.name!r}")
    return add_audited(session, Rack(**data.model_dump()), actor=actor, entity="rack")


def rack_slots(session: Session, rack_id: int) -> list[Slot]:
    """Everything mounted in the rack, hosts and devices alike."""
    slots: list[Slot] = []
    for model in (Host, Device):
        rows = session.execute(
            select(model.name, model.u_position, model.u_height, model.power_draw_w).where(
                model.rack_id == rack_id, model.u_position.is_not(None)
            )
        )
        slots.extend(
            Slot(name, pos, height, power) for name, pos, height, power in rows if pos is not None
        )
    return slots


def _check_mounting(session: Session, *, name: str, site_id: int, mount: Mounting) -> None:
    if mount.rack_id is None:
        if mount.u_position is not None:
            raise InvalidInput.one("u_position", "a U position needs a rack_id")
        return
    rack = session.get(Rack, mount.rack_id)
    if rack is None:
        raise InvalidInput.one("rack_id", f"rack {mount.rack_id} does not exist")
    if rack.site_id != site_id:
        raise InvalidInput.one("rack_id", f"rack {rack.name} stands in another site")
    if mount.u_position is None:
        raise InvalidInput.one("u_position", "a racked item needs its lowest U position")
    new = Slot(name, mount.u_position, mount.u_height, 0)
    problems = slot_collisions(rack.height_u, rack_slots(session, rack.id), new)
    if problems:
        raise InvalidInput.one("u_position", f"rack {rack.name}: " + "; ".join(problems))


# -- hosts, devices, applications ----------------------------------------------------------


def create_host(session: Session, *, data: HostCreate, actor: Actor) -> Host:
    """Add a server. Shared-cloud hosts belong to a provider (the site's unless named) and may
    never sit in the classified intranet; legacy servers take their department from the room."""
    ensure_unique(session, Host, "name", data.name, what="host")
    site = get_site_for(session, data.site_id)
    values = data.model_dump()
    if site.kind is SiteKind.CLOUD:
        if not data.zone.hosts_shared_capacity:
            raise InvalidInput.one(
                "zone", "the classified e-government intranet may not host shared-cloud capacity"
            )
        # A site's provider runs the building; another provider may run a pool inside it.
        _exists(session, Provider, data.provider_id, "provider_id", "provider")
        values.update(provider_id=data.provider_id or site.provider_id, department_id=None)
    else:
        if data.department_id not in (None, site.department_id):
            raise InvalidInput.one(
                "department_id", f"room {site.code} belongs to another department"
            )
        values.update(department_id=site.department_id, provider_id=None)
    _check_mounting(session, name=data.name, site_id=site.id, mount=data)
    host = Host(**values)
    return add_audited(session, host, actor=actor, entity="host", department_id=host.department_id)


def update_host(session: Session, *, host_id: int, data: HostUpdate, actor: Actor) -> Host:
    host = get_or_404(session, Host, host_id, entity="host")
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    return update_audited(
        session, host, changes, actor=actor, entity="host", department_id=host.department_id
    )


def create_device(session: Session, *, data: DeviceCreate, actor: Actor) -> Device:
    ensure_unique(session, Device, "name", data.name, what="device")
    site = get_site_for(session, data.site_id)
    _check_mounting(session, name=data.name, site_id=site.id, mount=data)
    device = Device(**{**data.model_dump(), "department_id": site.department_id})
    return add_audited(
        session, device, actor=actor, entity="device", department_id=device.department_id
    )


def create_application(session: Session, *, data: ApplicationCreate, actor: Actor) -> Application:
    ensure_unique(session, Application, "code", data.code, what="application")
    _exists(session, Department, data.department_id, "department_id", "department")
    _exists(session, Site, data.site_id, "site_id", "site")
    app = Application(**data.model_dump())
    return add_audited(
        session, app, actor=actor, entity="application", department_id=app.department_id
    )


def create_link(session: Session, *, data: CarrierLinkCreate, actor: Actor) -> CarrierLink:
    ensure_unique(session, CarrierLink, "circuit_id", data.circuit_id, what="carrier link")
    _exists(session, Site, data.a_site_id, "a_site_id", "site")
    _exists(session, Department, data.department_id, "department_id", "department")
    link = CarrierLink(**data.model_dump())
    return add_audited(
        session, link, actor=actor, entity="carrier_link", department_id=link.department_id
    )


def get_site_for(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise InvalidInput.one("site_id", f"site {site_id} does not exist")
    return site

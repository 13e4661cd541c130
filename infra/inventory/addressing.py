"""Subnets and addresses: overlap refused within a zone, next free prefix and address."""

from __future__ import annotations

import ipaddress

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.crud import add_audited, get_or_404
from infra.database import serialize_on
from infra.errors import Conflict, InvalidInput
from infra.inventory.enums import NetworkZone
from infra.inventory.models import Host, IpAddress, Site, Subnet
from infra.inventory.network import (
    Network,
    next_free_address,
    next_free_prefix,
    overlapping,
    parse_network,
    usable_addresses,
)
from infra.inventory.schemas import IpAllocate, SubnetCarve, SubnetCreate


def _zone_networks(session: Session, zone: NetworkZone) -> dict[Network, Subnet]:
    """The zone's subnets, with the zone locked so no overlapping subnet can slip in."""
    serialize_on(session, f"subnets:{zone.value}")
    rows = session.scalars(select(Subnet).where(Subnet.zone == zone))
    return {ipaddress.ip_network(s.cidr): s for s in rows}


def create_subnet(session: Session, *, data: SubnetCreate, actor: Actor) -> Subnet:
    """Add a subnet; refused when it overlaps another subnet of the same zone (naming it)."""
    network = parse_network(data.cidr)
    if data.site_id is not None and session.get(Site, data.site_id) is None:
        raise InvalidInput.one("site_id", f"site {data.site_id} does not exist")
    existing = _zone_networks(session, data.zone)
    clashes = overlapping(network, existing)
    if clashes:
        names = ", ".join(f"{net} (subnet {existing[net].id})" for net in clashes)
        raise Conflict("cidr", f"{network} overlaps {names} in zone {data.zone.value}")
    subnet = Subnet(**{**data.model_dump(), "cidr": str(network)})
    return add_audited(session, subnet, actor=actor, entity="subnet")


def carve_subnet(session: Session, *, data: SubnetCarve, actor: Actor) -> Subnet:
    """Take the next free ``/prefixlen`` from ``parent_cidr`` in the zone and record it."""
    parent = parse_network(data.parent_cidr, field="parent_cidr")
    if data.prefixlen > parent.max_prefixlen:
        raise InvalidInput.one("prefixlen", f"must be at most {parent.max_prefixlen}")
    free = next_free_prefix(parent, data.prefixlen, _zone_networks(session, data.zone))
    if free is None:
        raise Conflict("parent_cidr", f"no free /{data.prefixlen} is left in {parent}")
    values = data.model_dump(exclude={"parent_cidr", "prefixlen"})
    return create_subnet(session, data=SubnetCreate(cidr=str(free), **values), actor=actor)


def allocate_address(
    session: Session, *, subnet_id: int, data: IpAllocate, actor: Actor
) -> IpAddress:
    """Assign the address asked for, or the lowest free one, in the subnet."""
    subnet = get_or_404(session, Subnet, subnet_id, entity="subnet")
    serialize_on(session, f"addresses:{subnet_id}")
    network = ipaddress.ip_network(subnet.cidr)
    used = {
        ipaddress.ip_address(a)
        for a in session.scalars(select(IpAddress.address).where(IpAddress.subnet_id == subnet_id))
    }
    if data.host_id is not None and session.get(Host, data.host_id) is None:
        raise InvalidInput.one("host_id", f"host {data.host_id} does not exist")
    if data.address is None:
        address = next_free_address(network, used)
        if address is None:
            raise Conflict("subnet_id", f"subnet {network} has no free address left")
    else:
        try:
            address = ipaddress.ip_address(data.address.strip())
        except ValueError as exc:
            raise InvalidInput.one("address", f"{data.address!r} is not an IP address") from exc
        first, last = usable_addresses(network)
        if address not in network or not first <= int(address) <= last:
            raise InvalidInput.one("address", f"{address} is not assignable in {network}")
        if address in used:
            raise Conflict("address", f"{address} is already assigned in {network}")
    row = IpAddress(
        subnet_id=subnet_id,
        address=str(address),
        host_id=data.host_id,
        description=data.description,
    )
    return add_audited(session, row, actor=actor, entity="ip_address")

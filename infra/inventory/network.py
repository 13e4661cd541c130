"""Address arithmetic as pure functions: normalising, overlap, next free prefix and address."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from infra.errors import InvalidInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_network(cidr: str, *, field: str = "cidr") -> Network:
    """A network in canonical form; host bits set (10.0.0.1/24) are an error, not a guess."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError as exc:
        raise InvalidInput.one(field, f"{cidr!r} is not a network in CIDR form: {exc}") from exc


def overlapping(candidate: Network, existing: Iterable[Network]) -> list[Network]:
    """Every network in ``existing`` that shares at least one address with ``candidate``."""
    return [net for net in existing if net.version == candidate.version and net.overlaps(candidate)]


def next_free_prefix(parent: Network, prefixlen: int, used: Iterable[Network]) -> Network | None:
    """The lowest ``/prefixlen`` inside ``parent`` that overlaps nothing in ``used``."""
    if prefixlen < parent.prefixlen or prefixlen > parent.max_prefixlen:
        raise InvalidInput.one(
            "prefixlen",
            f"must lie between {parent.prefixlen} and {parent.max_prefixlen} for {parent}",
        )
    taken = sorted(
        (net for net in used if net.version == parent.version and net.overlaps(parent)),
        key=lambda net: int(net.network_address),
    )
    size = 1 << (parent.max_prefixlen - prefixlen)
    cursor = int(parent.network_address)
    end = int(parent.broadcast_address)
    for net in taken:
        start = int(net.network_address)
        # Align the cursor to the wanted block size, then see if a block fits before ``net``.
        cursor = -(-cursor // size) * size
        if cursor + size - 1 < start:
            break
        cursor = max(cursor, int(net.broadcast_address) + 1)
    cursor = -(-cursor // size) * size
    if cursor + size - 1 > end:
        return None
    return ipaddress.ip_network((cursor, prefixlen))


def usable_addresses(subnet: Network) -> tuple[int, int]:
    """First and last assignable address as integers (IPv4 keeps network and broadcast out,
    and the first host for the gateway)."""
    first, last = int(subnet.network_address), int(subnet.broadcast_address)
    if subnet.version == 4 and subnet.prefixlen <= 30:
        return first + 2, last - 1
    if subnet.version == 6 and subnet.prefixlen <= 126:
        return first + 2, last
    return first, last


def next_free_address(subnet: Network, used: Iterable[Address]) -> Address | None:
    """The lowest assignable address of ``subnet`` not in ``used``."""
    first, last = usable_addresses(subnet)
    taken = {int(a) for a in used}
    candidate = first
    while candidate <= last:
        if candidate not in taken:
            return ipaddress.ip_address(candidate)
        candidate += 1
    return None

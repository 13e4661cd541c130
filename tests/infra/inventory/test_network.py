"""Property tests for address allocation: carved prefixes never overlap, lie inside their
parent, and are the lowest free block; the next free address is the lowest free one."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.inventory.network import (
    Network,
    next_free_address,
    next_free_prefix,
    overlapping,
    usable_addresses,
)

PARENT = ipaddress.ip_network("10.20.0.0/16")


@st.composite
def used_networks(draw: st.DrawFn) -> list[Network]:
    """Existing subnets around and inside the parent, possibly overlapping each other."""
    nets: list[Network] = []
    for _ in range(draw(st.integers(0, 12))):
        prefix = draw(st.integers(14, 26))
        base = draw(st.integers(int(PARENT.network_address) - 2**18, int(PARENT.broadcast_address)))
        nets.append(ipaddress.ip_network((base, prefix), strict=False))
    return nets


def brute_force_lowest(parent: Network, prefixlen: int, used: list[Network]) -> Network | None:
    for candidate in parent.subnets(new_prefix=prefixlen):
        if not overlapping(candidate, used):
            return candidate
    return None


@settings(max_examples=300, deadline=None)
@given(used=used_networks(), wanted=st.lists(st.integers(16, 24), min_size=1, max_size=10))
def test_carved_prefixes_are_inside_disjoint_and_lowest(
    used: list[Network], wanted: list[int]
) -> None:
    taken = list(used)
    for prefixlen in wanted:
        found = next_free_prefix(PARENT, prefixlen, taken)
        assert found == brute_force_lowest(PARENT, prefixlen, taken)
        if found is None:
            continue
        assert found.prefixlen == prefixlen
        assert found.subnet_of(PARENT)  # type: ignore[arg-type]
        assert not overlapping(found, taken)
        taken.append(found)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.integers(24, 32),
    offsets=st.lists(st.integers(0, 255), max_size=40),
)
def test_next_free_address_is_the_lowest_assignable(prefix: int, offsets: list[int]) -> None:
    subnet = ipaddress.ip_network(f"192.168.7.0/{prefix}", strict=False)
    used = {subnet.network_address + (o % subnet.num_addresses) for o in offsets}
    first, last = usable_addresses(subnet)
    found = next_free_address(subnet, used)
    expected = next(
        (
            ipaddress.ip_address(n)
            for n in range(first, last + 1)
            if ipaddress.ip_address(n) not in used
        ),
        None,
    )
    assert found == expected
    if found is not None:
        assert found in subnet
        assert found not in (subnet.network_address, subnet.broadcast_address) or prefix >= 31


def test_ipv6_prefixes_and_the_full_parent() -> None:
    parent = ipaddress.ip_network("2001:db8::/48")
    first = next_free_prefix(parent, 64, [])
    assert first == ipaddress.ip_network("2001:db8::/64")
    second = next_free_prefix(parent, 64, [first, ipaddress.ip_network("10.0.0.0/8")])
    assert second == ipaddress.ip_network("2001:db8:0:1::/64")
    assert next_free_prefix(PARENT, 16, [ipaddress.ip_network("10.20.255.0/24")]) is None

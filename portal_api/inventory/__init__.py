"""The inventory: sites, racks, hosts, providers."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "inventory",
    navigation=(NavItem("/inventory", N_("Inventory"), Permission.PROVIDER_READ),),
)

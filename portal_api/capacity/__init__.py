"""Capacity: what the hosts have and what is allocated."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "capacity",
    navigation=(NavItem("/capacity", N_("Capacity"), Permission.INVENTORY_READ),),
)

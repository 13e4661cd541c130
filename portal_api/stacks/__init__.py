"""Department tenancy stacks (Pulumi)."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "stacks",
    navigation=(NavItem("/stacks", N_("Stacks"), Permission.STACK_READ),),
)

"""User accounts and their roles."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "users",
    navigation=(NavItem("/users", N_("Users"), Permission.USER_READ),),
)

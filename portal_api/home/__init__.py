"""Each role's home page."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "home",
    navigation=(NavItem("/", N_("Overview"), Permission.SELF),),
)

"""Quotas per department, resource and network zone."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "quotas",
    navigation=(NavItem("/quotas", N_("Quotas"), Permission.QUOTA_READ),),
)

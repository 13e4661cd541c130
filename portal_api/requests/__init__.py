"""Resource requests: filing, approval, placement, usage."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "requests",
    navigation=(
        NavItem("/usage", N_("Usage"), Permission.QUOTA_READ),
        NavItem("/requests", N_("Requests"), Permission.REQUEST_READ),
        NavItem("/approvals", N_("Approvals"), Permission.REQUEST_APPROVE),
    ),
)

"""The hash-chained audit log."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "audit",
    navigation=(NavItem("/audit", N_("Audit log"), Permission.AUDIT_READ),),
)

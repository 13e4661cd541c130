"""Periodic work."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "schedules",
    navigation=(NavItem("/schedules", N_("Schedules"), Permission.SCHEDULE_READ),),
)

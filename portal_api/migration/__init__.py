"""Migration of legacy systems: waves, runs, cut-over."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "migration",
    navigation=(NavItem("/migration", N_("Migration"), Permission.MIGRATION_READ),),
)

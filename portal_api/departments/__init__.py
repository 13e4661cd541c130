"""The departments' tree."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "departments",
    navigation=(NavItem("/departments", N_("Departments"), Permission.DEPARTMENT_READ),),
)

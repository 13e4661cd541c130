"""The departments' satisfaction survey of their providers."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "satisfaction",
    navigation=(NavItem("/satisfaction", N_("Satisfaction survey"), Permission.SURVEY_ANSWER),),
)

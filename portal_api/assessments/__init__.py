"""The quarterly provider assessment: overview, breakdown, comments, sign-off, evidence."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "assessments",
    navigation=(NavItem("/assessments", N_("Assessments"), Permission.ASSESSMENT_READ),),
)

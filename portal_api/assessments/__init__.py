"""The quarterly provider assessment and the satisfaction survey."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "assessments",
    navigation=(
        NavItem("/assessments", N_("Assessments"), Permission.ASSESSMENT_READ),
        NavItem("/satisfaction", N_("Satisfaction survey"), Permission.SURVEY_ANSWER),
    ),
)

"""Service quality: probes, incidents, SLOs, the provider's home."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "monitoring",
    navigation=(
        NavItem("/provider", N_("Provider home"), Permission.INCIDENT_HANDLE),
        NavItem("/monitoring", N_("Service status"), Permission.MONITORING_READ),
        NavItem("/monitoring/incidents", N_("Incidents"), Permission.MONITORING_READ),
        NavItem("/monitoring/slos", N_("Service level objectives"), Permission.MONITORING_READ),
    ),
)

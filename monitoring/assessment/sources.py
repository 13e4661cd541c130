"""Where each indicator's figure comes from: the only names a scheme's leaves may use.

A source is a figure for one provider and one quarter.  Most come from what the platform
already holds (monitoring's SLOs and incidents, the requests' history, the departments'
surveys); the rest are entered, with attachments, by operators or the provider itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Origin(StrEnum):
    MONITORING = "monitoring"  # computed from probes, SLOs and incidents
    REQUESTS = "requests"  # computed from resource requests' history
    SURVEYS = "surveys"  # computed from departments' answers
    ENTERED = "entered"  # entered by operators or providers with attachments


@dataclass(frozen=True)
class Source:
    name: str
    unit: str
    origin: Origin
    description: str


SOURCES: Final[dict[str, Source]] = {
    s.name: s
    for s in (
        Source(
            "slo.availability_pct",
            "%",
            Origin.MONITORING,
            "availability of the provider's services in the quarter, maintenance excluded, "
            "downtime counted in runs of at least five failed minutes",
        ),
        Source(
            "incidents.major_outages",
            "count",
            Origin.MONITORING,
            "P1 incidents (major outages) attributed to the provider",
        ),
        Source(
            "incidents.response_met_pct",
            "%",
            Origin.MONITORING,
            "incidents acknowledged within the contract's response target",
        ),
        Source(
            "incidents.recovery_met_pct",
            "%",
            Origin.MONITORING,
            "incidents resolved within the contract's recovery target",
        ),
        Source(
            "changes.success_pct",
            "%",
            Origin.ENTERED,
            "changes carried out without failure or rollback",
        ),
        Source(
            "requests.delivery_hours_p90",
            "hours",
            Origin.REQUESTS,
            "90th percentile of approved → active for resource requests placed on the provider",
        ),
        Source(
            "security.incidents",
            "count",
            Origin.ENTERED,
            "security incidents caused by the provider",
        ),
        Source(
            "security.major_breaches",
            "count",
            Origin.ENTERED,
            "major security breaches caused by the provider (a veto)",
        ),
        Source(
            "security.vulnerability_fix_pct",
            "%",
            Origin.ENTERED,
            "high-risk vulnerabilities fixed within the deadline",
        ),
        Source("backups.success_pct", "%", Origin.ENTERED, "scheduled backups that succeeded"),
        Source(
            "backups.restore_drills",
            "count",
            Origin.ENTERED,
            "restore drills carried out and passed in the quarter",
        ),
        Source(
            "surveys.satisfaction_pct",
            "%",
            Origin.SURVEYS,
            "departments' mean satisfaction, scaled to 0–100",
        ),
        Source(
            "reporting.late_reports",
            "count",
            Origin.ENTERED,
            "monthly operations reports delivered late or not at all",
        ),
    )
}

BONUS_SOURCE: Final = "bonus.points"

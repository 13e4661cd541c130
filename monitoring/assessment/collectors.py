"""Monitoring's figures for the assessment: SLO availability, major outages, incident
response and recovery against the contract's targets — each with the incidents behind it."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.assessment.scoring import EvidenceRef, Figure
from monitoring.incidents.models import Incident
from monitoring.incidents.queries import incident_stats
from monitoring.slo.service import provider_availability

HUNDRED = Decimal(100)
PERCENT = Decimal("0.0001")


def _pct(part: int, whole: int) -> Decimal:
    """``part / whole`` as an exact percentage to four places (half up)."""
    return (Decimal(part) / Decimal(whole) * HUNDRED).quantize(PERCENT, rounding=ROUND_HALF_UP)


def _ref(incident: Incident) -> EvidenceRef:
    return EvidenceRef("incident", str(incident.id), f"{incident.severity.value}: {incident.title}")


def monitoring_figures(
    session: Session, provider_id: int, start: dt.datetime, end: dt.datetime
) -> dict[str, Figure]:
    """Figures from monitoring for the provider's quarter; a source without data is absent
    (no monitored minute, no incident), and the scheme says what that scores."""
    figures: dict[str, Figure] = {}
    availability = provider_availability(session, provider_id, start, end, now=end)
    if availability.counted_minutes:
        up = availability.counted_minutes - availability.down_minutes
        figures["slo.availability_pct"] = Figure(
            "slo.availability_pct",
            _pct(up, availability.counted_minutes),
            (),
            f"{availability.down_minutes} of {availability.counted_minutes} service-minutes down "
            f"(maintenance excluded, runs under the minimum not counted) over "
            f"{len(availability.services)} services",
        )
    stats = incident_stats(session, provider_id, start, end)
    incidents = list(
        session.scalars(
            select(Incident)
            .where(
                Incident.provider_id == provider_id,
                Incident.opened_at >= start,
                Incident.opened_at < end,
            )
            .order_by(Incident.opened_at, Incident.id)
        )
    )
    major = [i for i in incidents if i.severity.value == "P1"]
    figures["incidents.major_outages"] = Figure(
        "incidents.major_outages",
        Decimal(stats.major_outages),
        tuple(_ref(i) for i in major),
        f"{stats.opened} incidents opened",
    )
    if stats.opened:
        late_response = [
            i
            for i in incidents
            if i.acknowledged_at is None
            or (i.acknowledged_at - i.opened_at).total_seconds() / 60 > i.response_target_min
        ]
        late_recovery = [
            i
            for i in incidents
            if i.resolved_at is None
            or (i.resolved_at - i.opened_at).total_seconds() / 60 > i.recovery_target_min
        ]
        figures["incidents.response_met_pct"] = Figure(
            "incidents.response_met_pct",
            _pct(stats.response_met, stats.opened),
            tuple(_ref(i) for i in late_response),
            f"{stats.response_met} of {stats.opened} acknowledged within their target",
        )
        figures["incidents.recovery_met_pct"] = Figure(
            "incidents.recovery_met_pct",
            _pct(stats.recovery_met, stats.opened),
            tuple(_ref(i) for i in late_recovery),
            f"{stats.recovery_met} of {stats.opened} resolved within their target",
        )
    return figures

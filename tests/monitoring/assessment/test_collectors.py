"""Monitoring's figures reach the assessment exactly: availability from stored probe failures
(the ≥ 5-minute rule applied), major outages and response/recovery against each incident's
targets, each figure pointing at the incidents behind it — then scored by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from monitoring.assessment.collectors import monitoring_figures
from monitoring.assessment.enums import Grade
from monitoring.assessment.quarters import quarter_period
from monitoring.assessment.scheme import default_scheme
from monitoring.assessment.scoring import score
from monitoring.incidents.enums import IncidentSource, IncidentStatus, Severity
from monitoring.incidents.models import Incident
from monitoring.services.models import ProbeResult
from tests.factories import department
from tests.monitoring import factories as mf

MIN = dt.timedelta(minutes=1)


def test_quarter_figures_from_probes_and_incidents(session: Session) -> None:
    """2026Q2 has 91 days = 131,040 minutes. A 60-minute outage counts; a 3-minute blip does
    not (under 5 minutes): availability (131,040 − 60) / 131,040 = 99.95421… → 99.9542 %.
    Two incidents: the P1 acknowledged in 10 min (target 15) but resolved in 300 (target 240);
    the P3 acknowledged in 30 (late) and resolved in 60: response 1 of 2 = 50 %, recovery
    1 of 2 = 50 %, one major outage.

    Scored on the default scheme: availability 20 (meets 99.95), outages 5 − 2.5, response
    10 − min(10, 50/5 × 1) = 0, recovery 0, no restore drill reported (owed) −3, the rest
    without data at full marks: 100 − 2.5 − 10 − 10 − 3 = 74.5 → 合格.
    """
    start, end = quarter_period("2026Q2")
    dept, prov = department(session), mf.provider(session)
    svc = mf.service(session, dept=dept, prov=prov, since=start)
    probe = mf.probe(session, svc)
    outage = start + dt.timedelta(days=20)
    blip = start + dt.timedelta(days=40)
    session.add_all(
        ProbeResult(probe_id=probe.id, minute=outage + m * MIN, ok=False) for m in range(60)
    )
    session.add_all(
        ProbeResult(probe_id=probe.id, minute=blip + m * MIN, ok=False) for m in range(3)
    )

    def incident(severity: Severity, ack: int, fix: int, at: dt.datetime) -> Incident:
        row = Incident(
            service_id=svc.id,
            department_id=dept.id,
            provider_id=prov.id,
            severity=severity,
            status=IncidentStatus.RESOLVED,
            source=IncidentSource.PROBE,
            title=f"{severity} test",
            opened_at=at,
            acknowledged_at=at + ack * MIN,
            resolved_at=at + fix * MIN,
            response_target_min=15,
            recovery_target_min=240,
            opened_by="probe",
        )
        session.add(row)
        return row

    p1 = incident(Severity.P1, 10, 300, outage)
    p3 = incident(Severity.P3, 30, 60, blip)
    outside = incident(Severity.P1, 1, 1, end + MIN)  # next quarter: not counted
    session.commit()
    figures = monitoring_figures(session, prov.id, start, end)
    assert figures["slo.availability_pct"].value == Decimal("99.9542")
    assert figures["incidents.major_outages"].value == 1
    assert [r.key for r in figures["incidents.major_outages"].refs] == [str(p1.id)]
    assert figures["incidents.response_met_pct"].value == Decimal("50.0000")
    assert [r.key for r in figures["incidents.response_met_pct"].refs] == [str(p3.id)]
    assert figures["incidents.recovery_met_pct"].value == Decimal("50.0000")
    assert [r.key for r in figures["incidents.recovery_met_pct"].refs] == [str(p1.id)]
    assert str(outside.id) not in {r.key for f in figures.values() for r in f.refs}
    result = score(default_scheme(), figures)
    assert result.total == Decimal("74.50")
    assert result.grade is Grade.PASS


def test_a_provider_without_services_or_incidents_has_no_monitoring_data(session: Session) -> None:
    """No monitored minute: availability is absent (the scheme's rule for missing data
    applies), and zero incidents mean zero major outages and no response figures."""
    start, end = quarter_period("2026Q2")
    prov = mf.provider(session)
    figures = monitoring_figures(session, prov.id, start, end)
    assert "slo.availability_pct" not in figures
    assert figures["incidents.major_outages"].value == 0
    assert "incidents.response_met_pct" not in figures

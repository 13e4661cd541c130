"""Probes run every minute on the scheduler; failing streaks open incidents."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.labels import N_
from infra.schedules.types import Every, Schedule, ScheduleContext
from infra.settings import get_settings
from monitoring.incidents.service import open_from_probe
from monitoring.services.models import MonitoredService
from monitoring.services.probing import ProbeOutcome, run_probes
from monitoring.services.service import due_probes, record_outcomes


def settle(session: Session, outcomes: list[ProbeOutcome]) -> int:
    """Store outcomes and open an incident for each service whose probe has now failed the
    configured number of times in a row; returns how many incidents were opened."""
    now = utcnow()
    threshold = get_settings().service_levels.incident_after_failures
    opened = 0
    for probe in record_outcomes(session, outcomes, now=now):
        if probe.failing_streak >= threshold:
            svc = session.get(MonitoredService, probe.service_id)
            if svc and open_from_probe(session, service=svc, error=probe.last_error or "", at=now):
                opened += 1
    return opened


def run_due_probes(ctx: ScheduleContext) -> dict[str, Any]:
    """Read what is due, probe with no session open (network time holds no lock), then
    store the minute's results in one short transaction."""
    with ctx.job.session() as session:
        specs = due_probes(session, now=utcnow())
    outcomes = run_probes(specs, concurrency=get_settings().service_levels.probe_concurrency)
    with ctx.job.session() as session:
        opened = settle(session, outcomes)
    failed = sum(not o.ok for o in outcomes)
    return {"probed": len(outcomes), "failed": failed, "incidents_opened": opened}


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="monitoring.probes",
        period=Every(60),
        handler=run_due_probes,
        description=N_("Run the due HTTP/TCP probes; open incidents after repeated failures"),
    ),
)

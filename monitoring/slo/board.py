"""The status board: every visible service, its state now and its 30-day budget left."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.settings import get_settings
from infra.tenancy.scope import Scope
from monitoring.incidents.enums import IncidentStatus
from monitoring.incidents.models import Incident
from monitoring.maintenance.service import approved_windows
from monitoring.services.enums import ServiceState
from monitoring.services.models import Probe
from monitoring.services.queries import list_services
from monitoring.services.schemas import ServiceStatus
from monitoring.slo import maths, sparse
from monitoring.slo.enums import SloWindow
from monitoring.slo.loader import load
from monitoring.slo.models import Slo
from monitoring.slo.service import window_bounds

DEFAULT_TARGET = 0.999  # budget shown for services without an SLO of their own


def status_board(
    session: Session, *, scope: Scope, now: dt.datetime | None = None
) -> list[ServiceStatus]:
    """One row per visible service, all computed in one pass over the 30-day arrays."""
    now = now or utcnow()
    services = list_services(session, scope=scope)
    if not services:
        return []
    ids = [s.id for s in services]
    start, end = window_bounds(SloWindow.ROLLING_30D, now)
    min_run = get_settings().service_levels.min_downtime_run_minutes
    loaded = load(session, services, start=start, end=end, now=now, margin_minutes=min_run - 1)
    prepared = sparse.prepare(loaded.rows, min_run=min_run)
    counted_a, down_a = sparse.occurrences(prepared, loaded.lo, loaded.hi)
    targets = dict(
        session.execute(select(Slo.service_id, Slo.target).where(Slo.service_id.in_(ids))).all()
    )
    last: dict[int, list[bool | None]] = {}
    for sid, ok in session.execute(
        select(Probe.service_id, Probe.last_ok).where(Probe.service_id.in_(ids))
    ):
        last.setdefault(sid, []).append(ok)
    open_counts = dict(
        session.execute(
            select(Incident.service_id, func.count())
            .where(Incident.service_id.in_(ids), Incident.status != IncidentStatus.RESOLVED)
            .group_by(Incident.service_id)
        ).all()
    )
    in_window = approved_windows(
        session, services=services, start=now, end=now + dt.timedelta(seconds=1)
    )
    rows = []
    for i, s in enumerate(services):
        verdicts = [v for v in last.get(s.id, []) if v is not None]
        if in_window.get(s.id):
            state = ServiceState.MAINTENANCE
        elif not verdicts:
            state = ServiceState.UNKNOWN
        else:
            state = ServiceState.UP if all(verdicts) else ServiceState.DOWN
        counted, bad = int(counted_a[i]), int(down_a[i])
        target = float(targets.get(s.id, DEFAULT_TARGET))
        rows.append(
            ServiceStatus(
                service_id=s.id,
                code=s.code,
                name=s.name,
                department_id=s.department_id,
                provider_id=s.provider_id,
                state=state,
                availability_30d=maths.ratio(counted - bad, counted),
                budget_remaining_30d=maths.budget_remaining(bad, counted, target),
                open_incidents=int(open_counts.get(s.id, 0)),
            )
        )
    return rows

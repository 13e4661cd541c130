"""SLO figures from the database: windows in the city's clock, one loader, the pure maths.

Plain functions for the pages, the API and the quarterly assessment:
:func:`availability_of` (services), :func:`provider_availability` (a provider, all its
services pooled minute by minute), :func:`slo_status` (an objective's budget and burn).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.crud import add_audited, ensure_unique
from infra.database import utcnow
from infra.errors import NotFound
from infra.inventory.models import Provider
from infra.schedules.types import quarterly
from infra.settings import get_settings
from monitoring.services.exceptions import bad
from monitoring.services.models import MonitoredService
from monitoring.slo import maths, sparse
from monitoring.slo.enums import Budgeting, SloWindow
from monitoring.slo.loader import Loaded, floor_minute, load
from monitoring.slo.models import Slo
from monitoring.slo.schemas import (
    ProviderAvailability,
    ServiceAvailability,
    SloCreate,
    SloRead,
    SloStatus,
)

DAY = dt.timedelta(days=1)


def window_bounds(window: SloWindow, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)``: the trailing 30 days, or the calendar quarter (Asia/Shanghai) that
    contains ``now``."""
    if window is SloWindow.ROLLING_30D:
        end = floor_minute(now)
        return end - 30 * DAY, end
    q = quarterly()
    start = q.floor(now)
    return start, q.next(start)


def _min_run() -> int:
    return get_settings().service_levels.min_downtime_run_minutes


def _prepared(
    session: Session,
    services: list[MonitoredService],
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> tuple[Loaded, sparse.Prepared]:
    loaded = load(session, services, start=start, end=end, now=now, margin_minutes=_min_run() - 1)
    return loaded, sparse.prepare(loaded.rows, min_run=_min_run())


def availability_of(
    session: Session,
    services: list[MonitoredService],
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
) -> list[ServiceAvailability]:
    """Occurrences availability of each service over ``[start, end)``."""
    now = now or utcnow()
    loaded, prepared = _prepared(session, services, start, end, now)
    counted, down = sparse.occurrences(prepared, loaded.lo, loaded.hi)
    return [
        ServiceAvailability(
            service_id=sid,
            start=start,
            end=end,
            counted_minutes=int(counted[i]),
            down_minutes=int(down[i]),
            availability=maths.ratio(int(counted[i] - down[i]), int(counted[i])),
        )
        for i, sid in enumerate(loaded.service_ids)
    ]


def provider_availability(
    session: Session,
    provider_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> ProviderAvailability:
    """A provider's availability over ``[start, end)``: its services' counted and down
    minutes pooled (service-minutes), with each service's own figures."""
    if session.get(Provider, provider_id) is None:
        raise NotFound("provider", provider_id)
    services = list(
        session.scalars(
            select(MonitoredService)
            .where(MonitoredService.provider_id == provider_id)
            .order_by(MonitoredService.id)
        )
    )
    per = availability_of(session, services, start=start, end=end, now=now)
    counted = sum(s.counted_minutes for s in per)
    down = sum(s.down_minutes for s in per)
    return ProviderAvailability(
        provider_id=provider_id,
        start=start,
        end=end,
        counted_minutes=counted,
        down_minutes=down,
        availability=maths.ratio(counted - down, counted),
        services=per,
    )


def create_slo(session: Session, *, data: SloCreate, actor: Actor) -> Slo:
    """Declare an objective for a service or a provider."""
    if data.service_id is not None and session.get(MonitoredService, data.service_id) is None:
        raise bad("service_id", f"no service {data.service_id}")
    if data.provider_id is not None and session.get(Provider, data.provider_id) is None:
        raise bad("provider_id", f"no provider {data.provider_id}")
    ensure_unique(session, Slo, "name", data.name, what="SLO")
    return add_audited(session, Slo(**data.model_dump()), actor=actor, entity="slo")


def subject_services(session: Session, slo: Slo) -> list[MonitoredService]:
    query = select(MonitoredService).order_by(MonitoredService.id)
    if slo.service_id is not None:
        query = query.where(MonitoredService.id == slo.service_id)
    else:
        query = query.where(MonitoredService.provider_id == slo.provider_id)
    return list(session.scalars(query))


WINDOW_NAMES = {5: "5m", 30: "30m", 60: "1h", 120: "2h", 360: "6h", 1440: "1d", 4320: "3d"}


def period_minutes(slo: Slo, now: dt.datetime) -> int:
    start, end = window_bounds(slo.window, now)
    return int((end - start).total_seconds() // 60)


def _pooled_burn(p: sparse.Prepared, lo: int, hi: int, minutes: int, target: float) -> float:
    """Burn rate over the trailing ``minutes`` before ``hi`` (cut at the window's start)."""
    counted, down = sparse.occurrences(p, max(lo, hi - minutes), hi)
    c, d = int(counted.sum()), int(down.sum())
    return 0.0 if c == 0 else (d / c) / (1.0 - target)


def slo_status(session: Session, slo: Slo, *, now: dt.datetime | None = None) -> SloStatus:
    """Budget, availability and burn rates of ``slo`` at ``now``."""
    now = now or utcnow()
    start, end = window_bounds(slo.window, now)
    loaded, p = _prepared(session, subject_services(session, slo), start, end, now)
    lo, hi = loaded.lo, loaded.hi
    target = float(slo.target)
    counted_m, down_m = sparse.occurrences(p, lo, hi)
    if slo.budgeting is Budgeting.TIMESLICES:
        counted_a, bad_a = sparse.timeslices(
            p,
            lo,
            hi,
            slice_minutes=slo.time_slice_minutes,
            slice_target=float(slo.time_slice_target or 1),
        )
    else:
        counted_a, bad_a = counted_m, down_m
    counted, badn = int(counted_a.sum()), int(bad_a.sum())
    burn = {name: _pooled_burn(p, lo, hi, m, target) for m, name in sorted(WINDOW_NAMES.items())}
    period = period_minutes(slo, now)
    firing = [
        f"{WINDOW_NAMES[lw]}/{WINDOW_NAMES[sw]}"
        for lw, sw, fraction, _sev in maths.BURN_ALERTS
        if min(burn[WINDOW_NAMES[lw]], burn[WINDOW_NAMES[sw]])
        >= maths.burn_factor(fraction, lw, period)
    ]
    return SloStatus(
        slo=SloRead.model_validate(slo),
        start=start,
        end=end,
        counted=counted,
        bad=badn,
        down_minutes=int(down_m.sum()),
        availability=maths.ratio(counted - badn, counted),
        budget_remaining=maths.budget_remaining(badn, counted, target),
        burn_rates=burn,
        firing=firing,
    )


def budget_curve(
    session: Session, slo: Slo, *, now: dt.datetime | None = None
) -> list[tuple[dt.datetime, float]]:
    """Remaining budget (Occurrences) at the end of each day of the window so far, against
    the budget of the minutes counted so far (the burn chart)."""
    now = now or utcnow()
    start, end = window_bounds(slo.window, now)
    loaded, p = _prepared(session, subject_services(session, slo), start, end, now)
    lo, hi = loaded.lo, loaded.hi
    total = int(sparse.occurrences(p, lo, hi)[0].sum())
    allowed = (1.0 - float(slo.target)) * total
    points = []
    for day_end in range(lo + 1440, hi + 1440, 1440):
        spent = int(sparse.occurrences(p, lo, min(day_end, hi))[1].sum())
        left = 1.0 if allowed == 0 else 1.0 - spent / allowed
        points.append((start + (day_end - lo) * dt.timedelta(minutes=1), left))
    return points

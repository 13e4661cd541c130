"""SLO figures through the database: only failed minutes stored, maintenance excluded, the
≥ 5-minute rule, window edges, both budgeting methods — equal to the per-minute reference."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from monitoring.maintenance.enums import WindowStatus
from monitoring.maintenance.models import MaintenanceWindow
from monitoring.services.models import ProbeResult
from monitoring.slo import reference
from monitoring.slo.enums import Budgeting, SloWindow
from monitoring.slo.schemas import SloCreate
from monitoring.slo.service import create_slo, provider_availability, slo_status, window_bounds
from tests.factories import department
from tests.monitoring import factories as mf

T0 = dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)  # 2026-10-01 00:00 Asia/Shanghai
MIN = dt.timedelta(minutes=1)


def test_quarter_is_the_city_calendar_quarter() -> None:
    start, end = window_bounds(SloWindow.QUARTER, T0 + dt.timedelta(days=3))
    assert (start, end) == (T0, dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC))


def test_provider_availability_equals_the_reference(session: Session) -> None:
    rng = random.Random(7)
    dept, prov = department(session), mf.provider(session)
    services = [
        mf.service(session, dept=dept, prov=prov, since=T0 - dt.timedelta(hours=1))
        for _ in range(2)
    ]
    probes = [mf.probe(session, s) for s in services]
    n = 24 * 60
    history = n + 120  # failures on either side of the window too
    failed = [[False] * history for _ in services]
    for k, p in enumerate(probes):
        for _ in range(25):
            start, length = rng.randrange(history), rng.randrange(1, 12)
            for m in range(start, min(history, start + length)):
                failed[k][m] = True
        session.add_all(
            ProbeResult(probe_id=p.id, minute=T0 - 60 * MIN + m * MIN, ok=False)
            for m in range(history)
            if failed[k][m]
        )
    window = (T0 + 300 * MIN, T0 + 420 * MIN)
    session.add(
        MaintenanceWindow(
            provider_id=prov.id,
            service_id=services[0].id,
            starts_at=window[0],
            ends_at=window[1],
            reason="upgrade",
            status=WindowStatus.APPROVED,
            announced_by="p",
        )
    )
    session.add(  # a rejected window changes nothing
        MaintenanceWindow(
            provider_id=prov.id,
            service_id=None,
            starts_at=T0,
            ends_at=T0 + 600 * MIN,
            reason="no",
            status=WindowStatus.REJECTED,
            announced_by="p",
        )
    )
    session.commit()
    got = provider_availability(session, prov.id, T0, T0 + n * MIN, now=T0 + 3 * n * MIN)
    total_c = total_d = 0
    for k in range(2):
        counted = [True] * history
        if k == 0:
            for m in range(60 + 300, 60 + 420):
                counted[m] = False
        down = reference.down_minutes(failed[k], counted, 5)
        c, d = reference.occurrences(down[60 : 60 + n], counted[60 : 60 + n])
        assert (got.services[k].counted_minutes, got.services[k].down_minutes) == (c, d)
        total_c, total_d = total_c + c, total_d + d
    assert (got.counted_minutes, got.down_minutes) == (total_c, total_d)
    assert got.availability == (total_c - total_d) / total_c
    assert total_d > 0

    slo = create_slo(
        session,
        data=SloCreate(
            name="p-ts",
            provider_id=prov.id,
            target=Decimal("0.99"),
            budgeting=Budgeting.TIMESLICES,
            time_slice_target=Decimal("0.8"),
            time_slice_minutes=5,
            window=SloWindow.QUARTER,
        ),
        actor=Actor.system("t"),
    )
    status = slo_status(session, slo, now=T0 + n * MIN)
    exp_c = exp_b = 0
    for k in range(2):
        counted = [True] * history
        if k == 0:
            for m in range(60 + 300, 60 + 420):
                counted[m] = False
        down = reference.down_minutes(failed[k][: 60 + n], counted[: 60 + n], 5)
        c, b = reference.timeslices(down[60:], counted[60 : 60 + n], 5, 0.8)
        exp_c, exp_b = exp_c + c, exp_b + b
    assert (status.counted, status.bad) == (exp_c, exp_b)

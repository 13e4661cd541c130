"""Metering: intervals follow allocations through the request events, to the minute."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.metering.models import UsageInterval
from billing.metering.service import metered_rows, sync_request
from billing.metering.subscriptions import on_request_event
from billing.ratecards.enums import ServiceType
from infra.tenancy.requests.events import RequestActivated, RequestChanged
from infra.tenancy.requests.models import Allocation
from tests.billing import factories as bf


def _intervals(session: Session) -> list[tuple[str, int, dt.datetime, dt.datetime | None]]:
    rows = session.scalars(select(UsageInterval).order_by(UsageInterval.id))
    return [(r.service.value, r.quantity, r.started_at, r.ended_at) for r in rows]


def test_activate_change_release_to_the_minute(session: Session) -> None:
    """Catches intervals not split on a change, not closed on release, or cut to the second."""
    world = bf.scene(session)
    start = bf.at(2026, 10, 3, 9, 30) + dt.timedelta(seconds=42)
    req = bf.allocate(
        session,
        department=world.departments[0],
        host=world.host,
        start=start,
        public_ip=1,
        bandwidth_mbps=10,
    )
    services = {s for s, *_ in _intervals(session)}
    assert services == {"ecs_vcpu", "ecs_memory", "block_ssd", "eip", "bandwidth"}
    assert all(s == bf.at(2026, 10, 3, 9, 30) for _, _, s, _ in _intervals(session))

    change = bf.at(2026, 10, 10, 12, 0)
    alloc = session.scalars(select(Allocation).where(Allocation.request_id == req.id)).one()
    alloc.vcpu = 8
    session.flush()
    event = RequestChanged(request_id=req.id, department_id=req.department_id, at=change)
    on_request_event(session, event)
    on_request_event(session, event)  # delivered twice: nothing more happens
    vcpu = [(q, s, e) for svc, q, s, e in _intervals(session) if svc == "ecs_vcpu"]
    assert vcpu == [(4, bf.at(2026, 10, 3, 9, 30), change), (8, change, None)]

    # An old activation delivered late changes nothing either.
    on_request_event(
        session, RequestActivated(request_id=req.id, department_id=req.department_id, at=start)
    )
    assert len(_intervals(session)) == 6
    bf.release(session, req, bf.at(2026, 10, 20, 18, 15))
    assert all(e is not None for *_, e in _intervals(session))

    start_m, end_m = bf.at(2026, 10, 1), bf.at(2026, 11, 1)
    rows = metered_rows(session, start=start_m, end=end_m)
    vcpu_minutes = sum(r.minutes for r in rows if r.service == ServiceType.ECS_VCPU)
    first = (change - bf.at(2026, 10, 3, 9, 30)).total_seconds() // 60 * 4
    second = (bf.at(2026, 10, 20, 18, 15) - change).total_seconds() // 60 * 8
    assert vcpu_minutes == first + second
    # Split by local day: the 3rd has 14.5 hours of 4 vCPU.
    day3 = [r for r in rows if r.service == "ecs_vcpu" and r.day == dt.date(2026, 10, 3)]
    assert [r.minutes for r in day3] == [(14 * 60 + 30) * 4]


def test_sync_of_unknown_request_is_a_no_op(session: Session) -> None:
    assert sync_request(session, request_id=999999, at=bf.at(2026, 10, 1)) == {
        "opened": 0,
        "closed": 0,
    }

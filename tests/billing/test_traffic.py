"""Measured traffic: the agents' transmit counters become billed egress and 月95 bandwidth.

Samples are written as the agent's pushes are stored (raw samples, then minute roll-ups), on
SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from billing.invoices.flows import close_month
from billing.invoices.service import list_invoices, month_bounds
from billing.metering.service import metered_rows
from billing.metering.traffic import GB, MeasuredTrafficSource, percentile_mbps
from infra.inventory.enums import NetworkZone
from infra.tenancy.scope import Scope
from monitoring.metrics import rollups
from monitoring.metrics.schemas import SeriesIn
from monitoring.metrics.service import INSERT_SAMPLES, series_ids
from tests.billing import factories as bf

TRANSMIT = SeriesIn(name="node_network_transmit_bytes_total", labels={"device": "eth0"})
MONTH = dt.date(2026, 9, 1)
START, END = month_bounds(MONTH)
T0 = bf.at(2026, 9, 10, 10)


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def push(session: Session, host_id: int, points: list[tuple[dt.datetime, float]]) -> None:
    """Store counter samples for a host and roll them up, as ingest and the schedule do."""
    series = series_ids(session, host_id=host_id, series=[TRANSMIT])[0]
    connection = session.connection()
    connection.exec_driver_sql(
        INSERT_SAMPLES[connection.dialect.paramstyle == "qmark"],
        [(series, _ms(t), v) for t, v in points],
    )
    times = [_ms(t) for t, _ in points]
    rollups.rebuild(session, step_s=60, start_ms=min(times), end_ms=max(times), raw_floor_ms=0)
    session.commit()


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def egress_bytes(session: Session) -> dict[int, int]:
    out: dict[int, int] = {}
    for row in MeasuredTrafficSource(session).hourly_egress(start=START, end=END):
        out[row.department_id] = out.get(row.department_id, 0) + row.bytes
    return out


def test_two_allocations_on_one_host_share_its_traffic_by_granted_mbps(session: Session) -> None:
    """Catches attribution that ignores the grants (equal split) or bills a byte twice."""
    world = bf.scene(session, departments=2)
    a, b = world.departments
    bf.allocate(session, department=a, host=world.host, start=START, bandwidth_mbps=30)
    bf.allocate(session, department=b, host=world.host, start=START, bandwidth_mbps=10)
    push(session, world.host.id, [(T0 + minutes(k), k * 4_000_000.0) for k in range(11)])
    assert egress_bytes(session) == {a.id: 30_000_000, b.id: 10_000_000}


def test_a_counter_reset_counts_the_bytes_since_the_restart(session: Session) -> None:
    """Catches a reset read as a negative increase, or as the counter's whole history."""
    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    bf.allocate(session, department=dept, host=world.host, start=START, bandwidth_mbps=10)
    values = [9e12, 9e12 + 1e6, 9e12 + 2e6, 5e5, 1.5e6]  # reboot before the fourth sample
    push(session, world.host.id, [(T0 + minutes(k), v) for k, v in enumerate(values)])
    assert egress_bytes(session) == {dept.id: 2_000_000 + 500_000 + 1_000_000}


def test_a_gap_is_not_filled_in(session: Session) -> None:
    """Catches an increase across an agent outage being billed (spread over minutes unseen)."""
    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    bf.allocate(session, department=dept, host=world.host, start=START, bandwidth_mbps=10)
    points = [
        (T0, 0.0),
        (T0 + minutes(1), 1e6),
        (T0 + minutes(90), 5e9),
        (T0 + minutes(91), 5.002e9),
    ]
    push(session, world.host.id, points)
    source = MeasuredTrafficSource(session)
    assert egress_bytes(session) == {dept.id: 1_000_000 + 2_000_000}
    assert source.report(start=START, end=END).gaps == 1


def test_traffic_before_any_allocation_held_bandwidth_is_billed_to_nobody(session: Session) -> None:
    """Catches host traffic attributed to an allocation that did not exist yet."""
    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    bf.allocate(session, department=dept, host=world.host, start=T0 + minutes(5), bandwidth_mbps=10)
    push(session, world.host.id, [(T0 + minutes(k), k * 1e6) for k in range(11)])
    report = MeasuredTrafficSource(session).report(start=START, end=END)
    # Minutes 1-4 (each increase belongs to the minute of the sample that counted it) are
    # before the allocation; minutes 5-10 are its.
    assert report.unattributed_bytes == 4_000_000
    assert sum(report.by_allocation[next(iter(report.by_allocation))].values()) == 6_000_000


def test_percentile_discards_the_top_five_percent() -> None:
    """Catches a maximum (or mean) billed instead of the 95th percentile."""
    window = 300_000
    buckets = {k * window: 37_500_000 for k in range(95)}  # 1 Mbit/s for 95 windows
    buckets.update({(95 + k) * window: 3_750_000_000 for k in range(5)})  # 100 Mbit/s bursts
    assert percentile_mbps(buckets) == Decimal("1.00")
    buckets[100 * window] = 3_750_000_000  # a sixth burst: 6 of 101, only 5 discarded
    assert percentile_mbps(buckets) == Decimal("100.00")


def test_measured_lines_are_invoiced_per_the_cards_basis(session: Session) -> None:
    """Internet bandwidth is measured (月95), extranet bandwidth provisioned, egress measured:
    catches a card basis that is ignored, or measured rows billed where the line is provisioned."""
    world = bf.scene(session, departments=1)
    dept = world.departments[0]
    bf.allocate(
        session, department=dept, host=world.host, start=START, bandwidth_mbps=50,
        zone=NetworkZone.INTERNET,
    )  # fmt: skip
    bf.allocate(session, department=dept, host=world.host, start=START, bandwidth_mbps=50)
    # 12 Mbit/s for an hour: 5.4 GB, shared half and half between the two allocations.
    per_minute = 12e6 / 8 * 60
    push(session, world.host.id, [(T0 + minutes(k), k * per_minute) for k in range(61)])
    rows = metered_rows(session, start=START, end=END)
    by = {(r.service, r.zone): 0 for r in rows}
    for r in rows:
        by[(r.service, r.zone)] += r.minutes
    month_minutes = int((END - START).total_seconds()) // 60
    assert by[("egress", "internet")] == 2.7 * 60  # 2.7 GB in sixtieths
    assert by[("egress", "extranet")] == 2.7 * 60
    assert by[("bandwidth", "internet")] == 6 * month_minutes  # its 月95: 6 Mbit/s
    assert by[("bandwidth", "extranet")] == 50 * month_minutes  # provisioned
    close_month(session, month=MONTH, actor=bf.SYSTEM, now=END + dt.timedelta(hours=1))
    session.commit()
    (invoice,) = list_invoices(session, scope=Scope.everything())
    egress = [line for line in invoice.lines if line.service == "egress"]
    assert {line.zone for line in egress} == {"internet", "extranet"}
    assert sum(line.quantity_minutes for line in egress) == 5.4 * 60
    assert GB == 10**9

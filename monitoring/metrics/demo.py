"""Agents' samples for a few demo hosts: a day of one-minute collections, deterministic.

Each host gets a daily load curve (busy by day in Asia/Shanghai, quiet at night) with noise
from a generator seeded by the host's name, so the same window always holds the same values.
Loaded in bulk (one executemany per host) and rolled up, so ``govcloud demo load`` stays quick.
"""

from __future__ import annotations

import math
import random
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.inventory.models import Host
from monitoring.metrics import rollups
from monitoring.metrics.models import MetricSeries
from monitoring.metrics.schemas import SeriesIn
from monitoring.metrics.service import INSERT_SAMPLES, series_ids

DEMO_HOSTS = 3
HOURS = 24
STEP_S = 60
CPUS = 2
GIB = 1024**3
DAY_MS = 86_400_000


def _series() -> list[SeriesIn]:
    made = [
        SeriesIn(name="node_load1"),
        SeriesIn(name="node_memory_MemTotal_bytes"),
        SeriesIn(name="node_memory_MemAvailable_bytes"),
        SeriesIn(
            name="node_filesystem_avail_bytes",
            labels={"device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"},
        ),
        SeriesIn(name="node_network_receive_bytes_total", labels={"device": "eth0"}),
    ]
    for cpu in range(CPUS):
        for mode in ("user", "system", "idle"):
            made.append(
                SeriesIn(name="node_cpu_seconds_total", labels={"cpu": str(cpu), "mode": mode})
            )
    return made


def samples_for(host: str, *, end_ms: int) -> list[tuple[int, int, float]]:
    """(series index, t_ms, value) for one host over the day ending at ``end_ms``."""
    rng = random.Random(f"govcloud-demo-agent:{host}")  # noqa: S311  (demo data, seeded)
    memory = rng.choice((64, 128, 256)) * GIB
    disk_free = rng.uniform(200, 800) * GIB
    base = rng.uniform(0.5, 3.0)
    counts = HOURS * 3600 // STEP_S
    start_ms = end_ms - counts * STEP_S * 1000
    cpu = [[0.0, 0.0, 0.0] for _ in range(CPUS)]
    received = 0.0
    out: list[tuple[int, int, float]] = []
    for k in range(counts):
        t_ms = start_ms + k * STEP_S * 1000
        local_hour = ((t_ms / 3_600_000) + 8) % 24
        daytime = max(0.0, math.sin((local_hour - 6) / 12 * math.pi))
        busy = min(0.95, 0.08 + 0.6 * daytime + rng.uniform(0, 0.1))
        load = round(base * (0.3 + 2 * busy) + rng.uniform(0, 0.3), 2)
        available = memory * (0.75 - 0.4 * busy + rng.uniform(-0.02, 0.02))
        disk_free -= rng.uniform(0, 2) * 1024**2
        received += rng.uniform(2, 40) * (0.2 + busy) * 1024**2
        values: list[float] = [load, float(memory), round(available), round(disk_free), received]
        for row in cpu:
            row[0] += STEP_S * busy * 0.8
            row[1] += STEP_S * busy * 0.2
            row[2] += STEP_S * (1 - busy)
            values.extend(round(v, 2) for v in row)
        out.extend((i, t_ms, v) for i, v in enumerate(values))
    return out


def load_demo_samples(session: Session, *, now_ms: int | None = None) -> int:
    """A day of samples for the first few shared-cloud hosts that have none; samples written."""
    end_ms = (now_ms or int(time.time() * 1000)) // 60_000 * 60_000
    hosts = session.scalars(
        select(Host).where(Host.provider_id.is_not(None)).order_by(Host.name).limit(DEMO_HOSTS)
    ).all()
    written = 0
    series = _series()
    for host in hosts:
        if session.scalar(select(MetricSeries.id).where(MetricSeries.host_id == host.id).limit(1)):
            continue
        ids = series_ids(session, host_id=host.id, series=series)
        rows = sorted((ids[s], t, v) for s, t, v in samples_for(host.name, end_ms=end_ms))
        connection = session.connection()
        connection.exec_driver_sql(INSERT_SAMPLES[connection.dialect.paramstyle == "qmark"], rows)
        written += len(rows)
    if written:
        start_ms = end_ms - HOURS * 3_600_000
        for step_s in rollups.TIERS:
            rollups.rebuild(
                session, step_s=step_s, start_ms=start_ms, end_ms=end_ms, raw_floor_ms=0
            )
    return written


TRAFFIC_STEP_S = 300
TRANSMIT = SeriesIn(name="node_network_transmit_bytes_total", labels={"device": "eth0"})


def traffic_for(host: str, *, start_ms: int, end_ms: int) -> list[tuple[int, float]]:
    """(t_ms, transmit counter) every 5 minutes: busy by day, quiet at night, seeded by the
    host's name; the host reboots once (its counter restarts from zero) ten days in."""
    rng = random.Random(f"govcloud-demo-traffic:{host}")  # noqa: S311  (demo data, seeded)
    peak_mbps = rng.uniform(8, 40)
    reboot_ms = start_ms + 10 * DAY_MS
    counter = 0.0
    out: list[tuple[int, float]] = []
    for t_ms in range(start_ms, end_ms, TRAFFIC_STEP_S * 1000):
        local_hour = ((t_ms / 3_600_000) + 8) % 24
        daytime = max(0.0, math.sin((local_hour - 6) / 12 * math.pi))
        mbps = peak_mbps * (0.1 + 0.9 * daytime) * rng.uniform(0.7, 1.1)
        if reboot_ms <= t_ms < reboot_ms + TRAFFIC_STEP_S * 1000:
            counter = 0.0
        counter += mbps * 1e6 / 8 * TRAFFIC_STEP_S
        out.append((t_ms, round(counter)))
    return out


def load_demo_traffic(session: Session, *, host_ids: list[int], start_ms: int, end_ms: int) -> int:
    """Transmit counters for ``host_ids`` over ``[start_ms, end_ms)`` (hosts that have none),
    rolled up into minute buckets so billing can meter egress; samples written."""
    start_ms = start_ms // 60_000 * 60_000
    written = 0
    for host in session.scalars(select(Host).where(Host.id.in_(host_ids)).order_by(Host.id)):
        known = session.scalar(
            select(MetricSeries.id).where(
                MetricSeries.host_id == host.id, MetricSeries.name == TRANSMIT.name
            )
        )
        if known is not None:
            continue
        series_id = series_ids(session, host_id=host.id, series=[TRANSMIT])[0]
        rows = [
            (series_id, t, v) for t, v in traffic_for(host.name, start_ms=start_ms, end_ms=end_ms)
        ]
        connection = session.connection()
        connection.exec_driver_sql(INSERT_SAMPLES[connection.dialect.paramstyle == "qmark"], rows)
        written += len(rows)
    if written:
        rollups.rebuild(session, step_s=60, start_ms=start_ms, end_ms=end_ms, raw_floor_ms=0)
    return written

"""Roll-ups and retention, against a per-sample reference computed in Python."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from infra.jobs.runner import JobContext
from infra.schedules.types import ScheduleContext
from infra.settings import MonitoringSettings
from monitoring.metrics import rollups, scheduled, service
from monitoring.metrics.models import MetricBatch, MetricRollup, MetricSample
from monitoring.metrics.schemas import BatchIn
from monitoring.metrics.sources import DatabaseSource
from tests.monitoring.metrics_support import Enrolled

HOUR_MS = 3_600_000
SETTINGS = MonitoringSettings(raw_retention_days=30)


def _hour_now() -> int:
    return int(time.time() * 1000) // HOUR_MS * HOUR_MS


def _push(
    session: Session, who: Enrolled, start_ms: int, n: int, step_ms: int, seed: int, now_ms: int
) -> BatchIn:
    rng = random.Random(seed)
    batch = BatchIn.model_validate(
        {
            "batch_id": str(uuid.uuid4()),
            "seq": seed,
            "series": [
                {"name": "node_load1", "labels": {}},
                {"name": "node_memory_MemAvailable_bytes", "labels": {}},
            ],
            "samples": [
                [i % 2, start_ms + (i // 2) * step_ms, round(rng.uniform(0, 100), 3)]
                for i in range(2 * n)
            ],
        }
    )
    enrolment = session.merge(service.authenticate(session, token=who.token))
    service.ingest(
        session,
        enrolment=enrolment,
        batch=batch,
        settings=SETTINGS,
        now_ms=now_ms,
    )
    session.commit()
    return batch


def _rounded(
    rows: dict[tuple[int, int], tuple[Any, ...]],
) -> dict[tuple[int, int], tuple[Any, ...]]:
    """Sums compared to 1e-6: the database adds floats in its own order."""
    return {
        k: (n, round(total, 6), low, high, last) for k, (n, total, low, high, last) in rows.items()
    }


def _reference(batches: list[BatchIn], step_s: int) -> dict[tuple[int, int], tuple[Any, ...]]:
    size = step_s * 1000
    buckets: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    for batch in batches:
        for s, t, v in batch.samples:
            buckets[(s, t // size * size)].append((t, v))
    return _rounded(
        {
            key: (
                len(vals),
                sum(v for _t, v in vals),
                min(v for _t, v in vals),
                max(v for _t, v in vals),
                max(vals)[1],
            )
            for key, vals in buckets.items()
        }
    )


def _stored(
    session: Session, step_s: int, names: dict[int, int]
) -> dict[tuple[int, int], tuple[Any, ...]]:
    session.rollback()
    rows = session.scalars(select(MetricRollup).where(MetricRollup.step_s == step_s))
    return _rounded(
        {(names[r.series_id], r.bucket_ms): (r.count, r.sum, r.min, r.max, r.last) for r in rows}
    )


def _series_index(session: Session) -> dict[int, int]:
    from monitoring.metrics.models import MetricSeries

    rows = session.execute(select(MetricSeries.id, MetricSeries.name)).all()
    return {sid: 0 if name == "node_load1" else 1 for sid, name in rows}


def test_rollups_equal_the_reference_and_late_batches_are_rolled_up_when_they_arrive(
    session: Session, session_factory: sessionmaker[Session], enrolled: Enrolled
) -> None:
    """Catches wrong bucket edges, a wrong ``last``, and late (replayed) batches skipped."""
    now = _hour_now()
    settings = MonitoringSettings(raw_retention_days=30)
    on_time = _push(session, enrolled, now - 2 * HOUR_MS + 7_000, 600, 10_000, 1, now)
    window = (now - 3 * HOUR_MS, now + 2 * HOUR_MS)
    for step_s in (60, 3600):
        rollups.roll_up_received(
            session,
            step_s=step_s,
            received_from_ms=window[0],
            received_to_ms=window[1],
            now_ms=now,
            settings=settings,
        )
    session.commit()
    names = _series_index(session)
    assert _stored(session, 60, names) == _reference([on_time], 60)
    assert _stored(session, 3600, names) == _reference([on_time], 3600)
    # A late batch with older samples (an agent's spool after an outage) arrives later.
    late = _push(session, enrolled, now - 2 * HOUR_MS + 3_000, 100, 10_000, 2, now)
    session.execute(
        update(MetricBatch)
        .where(MetricBatch.batch_uuid == str(late.batch_id))
        .values(received_at=dt.datetime.fromtimestamp((now + 3 * HOUR_MS) / 1000, dt.UTC))
    )
    session.commit()
    # Its period's run (by the schedule's own handler) rebuilds the buckets it touched.
    ctx = ScheduleContext(
        job=JobContext(str(uuid.uuid4()), session_factory),
        period_start=dt.datetime.fromtimestamp((now + 3 * HOUR_MS) / 1000, dt.UTC),
        period_end=dt.datetime.fromtimestamp((now + 3 * HOUR_MS + 60_000) / 1000, dt.UTC),
    )
    assert scheduled.roll_up_minutes(ctx)["buckets"] > 0
    assert _stored(session, 60, names) == _reference([on_time, late], 60)
    # Running it again changes nothing (idempotent per period).
    scheduled.roll_up_minutes(ctx)
    assert _stored(session, 60, names) == _reference([on_time, late], 60)


def test_retention_drops_each_tier_at_its_age(session: Session, enrolled: Enrolled) -> None:
    now = _hour_now()
    day = 86_400_000
    _push(session, enrolled, now - 10 * day, 10, 60_000, 1, now)
    _push(session, enrolled, now - HOUR_MS, 10, 60_000, 2, now)
    settings = MonitoringSettings(raw_retention_days=30, minute_retention_days=30)
    for step_s in (60, 3600):
        rollups.rebuild(session, step_s=step_s, start_ms=now - 11 * day, end_ms=now, raw_floor_ms=0)
    session.commit()
    tight = MonitoringSettings(raw_retention_days=2, minute_retention_days=5)
    deleted = rollups.apply_retention(session, now_ms=now, settings=tight)
    session.commit()
    assert deleted["raw"] == 20
    assert deleted["minute"] == 20  # ten minutes of two series
    assert deleted["hour"] == 0  # hours are kept three years
    session.rollback()
    oldest = session.scalar(select(MetricSample.t_ms).order_by(MetricSample.t_ms).limit(1))
    assert oldest == now - HOUR_MS
    assert settings.sample_max_age_s == 30 * 86400


def test_database_source_follows_prometheus_step_semantics(
    session: Session, enrolled: Enrolled
) -> None:
    """Catches off-by-one at step edges and the 5-minute lookback being ignored."""
    now = _hour_now()
    batch = _push(session, enrolled, now - HOUR_MS, 20, 30_000, 3, now)
    samples = sorted((t, v) for s, t, v in batch.samples if s == 0)
    source = DatabaseSource(session)
    start, end, step = now - HOUR_MS - 60_000, now, 45_000
    (series,) = source.query_range(
        host=enrolled.host.name,
        metric="node_load1",
        matchers={},
        start_ms=start,
        end_ms=end,
        step_ms=step,
    )
    expected = []
    for t in range(start, end + 1, step):
        eligible = [(ts, v) for ts, v in samples if t - 300_000 < ts <= t]
        if eligible:
            expected.append((t, eligible[-1][1]))
    assert series.points == expected
    assert series.points[0][0] == now - HOUR_MS - 60_000 + 2 * step  # none before the first
    assert series.points[-1][0] < samples[-1][0] + 300_000  # none after the lookback

"""Roll-ups raw → 1 min → 1 h, and retention per tier.

Both tiers are computed from raw samples (never the hour from the minutes), so the two
schedules need no order between them.  A run rebuilds every bucket touched by the batches
*received* in its period (plus a minute's margin, for a push that committed just after the
period ended): late batches — an agent replaying its spool after an outage — are rolled up by
the run of the period they arrived in.  Rebuilding is delete-then-insert of whole buckets in
one transaction, so a retried run gives the same rows.  Buckets older than the raw tier's
retention are never rebuilt (their raw samples are gone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from infra.settings import MonitoringSettings
from monitoring.metrics.models import MetricBatch, MetricRollup, MetricSample

TIERS = (60, 3600)
DAY_MS = 86_400_000
MARGIN_MS = 60_000


@dataclass(frozen=True)
class RollupResult:
    step_s: int
    start_ms: int
    end_ms: int
    buckets: int


def touched_range(
    session: Session, *, received_from_ms: int, received_to_ms: int
) -> tuple[int, int] | None:
    """The sample-time range of the batches received in ``[from, to)``, or None."""
    start = dt.datetime.fromtimestamp((received_from_ms - MARGIN_MS) / 1000, dt.UTC)
    end = dt.datetime.fromtimestamp(received_to_ms / 1000, dt.UTC)
    row = session.execute(
        select(func.min(MetricBatch.first_ms), func.max(MetricBatch.last_ms)).where(
            MetricBatch.received_at >= start,
            MetricBatch.received_at < end,
            MetricBatch.sample_count > 0,
        )
    ).one()
    if row[0] is None:
        return None
    return int(row[0]), int(row[1])


def rebuild(
    session: Session, *, step_s: int, start_ms: int, end_ms: int, raw_floor_ms: int
) -> RollupResult:
    """Recompute every ``step_s`` bucket overlapping ``[start_ms, end_ms]`` from raw samples."""
    if step_s not in TIERS:
        raise ValueError(f"roll-up tiers are {TIERS} seconds")
    size = step_s * 1000
    # Whole buckets only: the first bucket whose raw samples are all still kept.
    first = max(start_ms // size * size, -(-raw_floor_ms // size) * size)
    last = (end_ms // size + 1) * size
    if last <= first:
        return RollupResult(step_s, first, last, 0)
    session.execute(
        delete(MetricRollup).where(
            MetricRollup.step_s == step_s,
            MetricRollup.bucket_ms >= first,
            MetricRollup.bucket_ms < last,
        )
    )
    # ``size`` is an int from TIERS: formatted into the SQL so both backends see one
    # grouping expression (bound parameters would make PostgreSQL's GROUP BY differ).
    bucket = f"(t_ms / {size}) * {size}"
    inserted = session.execute(
        text(
            f"""
            INSERT INTO metric_rollups
                (series_id, step_s, bucket_ms, count, sum, min, max, last)
            SELECT g.series_id, {step_s}, g.bucket, g.n, g.total, g.low, g.high, s.value
            FROM (
                SELECT series_id, {bucket} AS bucket, count(*) AS n, sum(value) AS total,
                       min(value) AS low, max(value) AS high, max(t_ms) AS last_ms
                FROM metric_samples
                WHERE t_ms >= :first AND t_ms < :last
                GROUP BY series_id, {bucket}
            ) AS g
            JOIN metric_samples AS s ON s.series_id = g.series_id AND s.t_ms = g.last_ms
            """  # noqa: S608  (only integers from TIERS are formatted in)
        ),
        {"first": first, "last": last},
    )
    return RollupResult(step_s, first, last, _rows(inserted))


def roll_up_received(
    session: Session,
    *,
    step_s: int,
    received_from_ms: int,
    received_to_ms: int,
    now_ms: int,
    settings: MonitoringSettings,
) -> RollupResult | None:
    """Rebuild the ``step_s`` buckets touched by the batches received in a period."""
    touched = touched_range(
        session, received_from_ms=received_from_ms, received_to_ms=received_to_ms
    )
    if touched is None:
        return None
    floor = now_ms - settings.raw_retention_days * DAY_MS
    return rebuild(
        session, step_s=step_s, start_ms=touched[0], end_ms=touched[1], raw_floor_ms=floor
    )


def apply_retention(
    session: Session, *, now_ms: int, settings: MonitoringSettings
) -> dict[str, int]:
    """Delete what each tier keeps no longer; returns rows deleted per tier."""
    raw_cut = now_ms - settings.raw_retention_days * DAY_MS
    deleted = {
        "raw": _rows(session.execute(delete(MetricSample).where(MetricSample.t_ms < raw_cut))),
    }
    for step_s, days, name in (
        (60, settings.minute_retention_days, "minute"),
        (3600, settings.hour_retention_days, "hour"),
    ):
        cut = now_ms - days * DAY_MS
        deleted[name] = _rows(
            session.execute(
                delete(MetricRollup).where(
                    MetricRollup.step_s == step_s, MetricRollup.bucket_ms < cut
                )
            )
        )
    # Batch ids are kept while a replay of them could still carry storable samples.
    batch_cut = dt.datetime.fromtimestamp((raw_cut - DAY_MS) / 1000, dt.UTC)
    deleted["batches"] = _rows(
        session.execute(delete(MetricBatch).where(MetricBatch.received_at < batch_cut))
    )
    return deleted


def _rows(result: object) -> int:
    """Rows a DML statement touched (its cursor's rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)

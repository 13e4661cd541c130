"""Periodic work of the metrics store: roll-ups (minute and hour tiers) and retention."""

from __future__ import annotations

from typing import Any

from infra.labels import N_
from infra.schedules.types import Every, Schedule, ScheduleContext
from infra.settings import get_settings
from monitoring.metrics import rollups


def _ms(ctx_time: Any) -> int:
    return int(ctx_time.timestamp() * 1000)


def roll_up_minutes(ctx: ScheduleContext) -> dict[str, Any]:
    """Minute buckets touched by the batches received in the period."""
    return _roll_up(ctx, 60)


def roll_up_hours(ctx: ScheduleContext) -> dict[str, Any]:
    """Hour buckets touched by the batches received in the period, then retention."""
    result = _roll_up(ctx, 3600)
    settings = get_settings().monitoring
    with ctx.job.session() as session:
        result["deleted"] = rollups.apply_retention(
            session, now_ms=_ms(ctx.period_end), settings=settings
        )
    return result


def _roll_up(ctx: ScheduleContext, step_s: int) -> dict[str, Any]:
    settings = get_settings().monitoring
    with ctx.job.session() as session:
        done = rollups.roll_up_received(
            session,
            step_s=step_s,
            received_from_ms=_ms(ctx.period_start),
            received_to_ms=_ms(ctx.period_end),
            now_ms=_ms(ctx.period_end),
            settings=settings,
        )
    if done is None:
        return {"buckets": 0}
    return {"buckets": done.buckets, "from_ms": done.start_ms, "to_ms": done.end_ms}


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="metrics.rollup_minute",
        period=Every(60),
        handler=roll_up_minutes,
        description=N_("Roll raw agent samples up into 1-minute buckets"),
        catch_up=60,
    ),
    Schedule(
        name="metrics.rollup_hour",
        period=Every(3600),
        handler=roll_up_hours,
        description=N_(
            "Roll raw agent samples up into 1-hour buckets; drop samples past retention"
        ),
        catch_up=24,
    ),
)

"""Burn-rate alerts are evaluated every five minutes."""

from __future__ import annotations

from typing import Any

from infra.labels import N_
from infra.schedules.types import Every, Schedule, ScheduleContext
from monitoring.slo.alerts import evaluate


def evaluate_alerts(ctx: ScheduleContext) -> dict[str, Any]:
    with ctx.job.session() as session:
        changed = evaluate(session, now=ctx.period_end)
    return {"changed": len(changed)}


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="monitoring.slo-alerts",
        period=Every(300),
        handler=evaluate_alerts,
        description=N_(
            "Evaluate multi-window burn-rate alerts; deliver to the Alertmanager webhook"
        ),
    ),
)

"""The safety sweep: deliveries whose job was lost (a crash between commit and run) and
retries that have come due are picked up once a minute."""

from __future__ import annotations

from typing import Any

from infra.events.dispatch import deliver_pending, installed
from infra.labels import N_
from infra.schedules.types import Every, Schedule, ScheduleContext


def sweep(context: ScheduleContext) -> dict[str, Any]:
    """Deliver everything due to the installed subscriptions."""
    subscriptions = installed()
    if subscriptions is None:
        return {"skipped": "no subscriptions installed"}
    return deliver_pending(context.job.session, subscriptions).as_dict()


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="events.sweep",
        period=Every(60),
        handler=sweep,
        description=N_("Deliver outbox events whose delivery job was lost, and due retries"),
    ),
)

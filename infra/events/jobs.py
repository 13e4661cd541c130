"""The delivery job: submitted by :func:`infra.events.service.publish` in the publisher's
transaction, it runs once that transaction commits and delivers everything due."""

from __future__ import annotations

from typing import Any

from infra.events.dispatch import deliver_pending, installed
from infra.events.service import DELIVER_KIND
from infra.jobs.registry import JobKind
from infra.jobs.runner import JobContext


def deliver_job(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Deliver every due event to this process's installed subscriptions."""
    subscriptions = installed()
    if subscriptions is None:
        context.log("no subscriptions installed in this process: the sweep will deliver")
        return {"skipped": "no subscriptions installed"}
    report = deliver_pending(context.session, subscriptions)
    context.log(
        f"{report.delivered} delivered, {report.failed} failed, "
        f"{report.gave_up} given up, {report.waiting} waiting"
    )
    return report.as_dict()


# Deliveries are idempotent (each is recorded with its effect): a lapsed lease may retry.
JOBS: tuple[JobKind, ...] = (JobKind(DELIVER_KIND, deliver_job, retries=2),)

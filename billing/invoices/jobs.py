"""Month-end close as a job, for the finance page's button and the API (202 + job id)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from billing.invoices.flows import close_month
from infra.audit.actor import Actor
from infra.jobs.registry import JobKind
from infra.jobs.runner import JobContext

CLOSE_KIND = "billing.close"


def close_job(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    month = dt.date.fromisoformat(params["month"])
    with context.session() as session:
        summary = close_month(session, month=month, actor=Actor(username=params["actor"]))
    context.log(f"closed {month:%Y-%m}", **{k: v for k, v in summary.items() if k != "hashes"})
    return summary


# Closing a month is idempotent (a closed month reproduces the same invoices): retry once.
JOBS: tuple[JobKind, ...] = (JobKind(CLOSE_KIND, close_job, retries=1),)

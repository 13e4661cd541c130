"""The job layer's own kinds: an empty job (benchmarks, smoke checks, the process tests)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from infra.errors import InvalidInput
from infra.jobs.registry import JobKind
from infra.jobs.runner import JobContext

NOOP_KIND = "jobs.noop"
MAX_NOOP_SECONDS = Decimal(3600)


def noop(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Does nothing, or sleeps ``seconds`` (a Decimal string) in steps, logging each second."""
    seconds = Decimal(str(params.get("seconds", "0")))
    if not 0 <= seconds <= MAX_NOOP_SECONDS:
        raise InvalidInput.one("seconds", f"between 0 and {MAX_NOOP_SECONDS}")
    deadline = time.monotonic() + float(seconds)
    tick = 0
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(1.0, left))
        tick += 1
        context.log(f"tick {tick}", tick=tick, owner=context.owner)
        context.progress(min(99, int(100 * tick / max(1, float(seconds)))))
    return {"ticks": tick, "token": params.get("token")}


JOBS: tuple[JobKind, ...] = (JobKind(NOOP_KIND, noop, retries=1),)

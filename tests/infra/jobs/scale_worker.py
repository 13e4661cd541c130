"""``govcloud worker`` for the process tests, with one extra schedule every 2 seconds.

Runs :func:`portal_api.runtime.run_worker` — the function behind ``govcloud worker`` — with
``JOB_KINDS`` and ``SCHEDULES`` plus ``tests.every2s`` (the real registry has no schedule
short enough to test).
"""

from __future__ import annotations

import sys
from typing import Any

from infra.database import get_session_factory
from infra.schedules.service import job_kinds
from infra.schedules.types import Every, Schedule, ScheduleContext
from infra.settings import get_settings
from portal_api.registry import JOB_KINDS, SCHEDULES
from portal_api.runtime import run_worker


def every2s(context: ScheduleContext) -> dict[str, Any]:
    context.job.log(f"ran for {context.period_start.isoformat()}", owner=context.job.owner)
    return {"period_start": context.period_start}


TEST_SCHEDULES = (Schedule("tests.every2s", Every(2), every2s, "every two seconds"),)

if __name__ == "__main__":
    run_worker(
        get_settings(),
        get_session_factory(),
        queues=None,
        concurrency=int(sys.argv[1]) if len(sys.argv) > 1 else 4,
        kinds=(*JOB_KINDS, *job_kinds(TEST_SCHEDULES)),
        schedule_list=(*SCHEDULES, *TEST_SCHEDULES),
    )

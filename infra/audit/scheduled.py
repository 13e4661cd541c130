"""The audit log's periodic work: a checkpoint of a quiet chain.

Appends sign a checkpoint every ``checkpoint_every`` entries or ``checkpoint_seconds`` after
the last one — but only when they happen.  This schedule covers the newest entries of a chain
that has gone quiet: once a minute, if the head moved and the last checkpoint is older than
``checkpoint_seconds``, it signs one.
"""

from __future__ import annotations

from typing import Any

from infra.audit.service import sign_now
from infra.labels import N_
from infra.schedules.types import Every, Schedule, ScheduleContext


def checkpoint_quiet_chain(context: ScheduleContext) -> dict[str, Any]:
    with context.job.session() as session:
        signed = sign_now(session, only_if_stale=True)
    if signed is None:
        return {"signed": None}
    context.job.log(f"signed checkpoint {signed.number} at entry {signed.seq}")
    return {"signed": signed.number, "seq": signed.seq}


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="audit.checkpoint",
        period=Every(60),
        handler=checkpoint_quiet_chain,
        description=N_(
            "sign a checkpoint of the audit chain's head if it moved and the last "
            "is older than GOVCLOUD_AUDIT__CHECKPOINT_SECONDS"
        ),
    ),
)

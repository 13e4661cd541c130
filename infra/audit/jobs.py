"""Audit work that runs as a job: verifying a long chain takes time."""

from __future__ import annotations

from typing import Any

from infra.audit.service import verify_chain
from infra.jobs.enums import EventLevel
from infra.jobs.registry import JobKind
from infra.jobs.runner import JobContext

VERIFY_KIND = "audit.verify"


def verify_chain_job(context: JobContext, _params: dict[str, Any]) -> dict[str, Any]:
    context.log("verifying the audit chain")
    with context.session() as session:
        report = verify_chain(session)
    if report.ok:
        context.log(f"chain intact: {report.checked} entries")
    else:
        context.log(
            report.reason or "chain broken", level=EventLevel.ERROR, seq=report.first_broken_seq
        )
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_broken_seq": report.first_broken_seq,
        "reason": report.reason,
        "checkpoints": report.checkpoints,
        "problems": list(report.problems),
    }


JOBS: tuple[JobKind, ...] = (JobKind(VERIFY_KIND, verify_chain_job, retries=1),)

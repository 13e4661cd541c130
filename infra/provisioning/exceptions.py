"""Errors of department stacks, with the facts a page needs to say them."""

from __future__ import annotations

from infra.errors import Conflict, says
from infra.labels import N_

STACK_UNBUILDABLE = says(
    "stack_unbuildable",
    N_("The stack of department %(code)s cannot be built: its code breaks the naming rules."),
)


class RunInProgress(Conflict):
    """A stack runs one operation at a time."""

    code = says(
        "run_in_progress", N_("Stack %(stack)s already has a run in progress: wait for it to end.")
    )

    def __init__(self, stack: str, job_id: str) -> None:
        super().__init__(
            "department_id",
            f"stack {stack} already has a run in progress (job {job_id})",
            params={"stack": stack, "job_id": job_id},
        )

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class StackOperation(StrEnum):
    PREVIEW = "preview"
    UP = "up"
    REFRESH = "refresh"
    DESTROY = "destroy"


class StackRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DriftKind(StrEnum):
    MISSING_QUOTA = "missing_quota"  # the namespace has no govcloud ResourceQuota
    DIFFERENT = "different"  # a hard limit differs from the database
    MISSING_KEY = "missing_key"  # the live quota lacks a limit the database implies
    UNEXPECTED_KEY = "unexpected_key"  # the live quota limits something govcloud does not
    ORPHAN = "orphan"  # a department quota in a namespace the database no longer implies
    OVER_LIMIT = "over_limit"  # usage already exceeds the database's (lowered) limit


STACK_OPERATION_LABELS: Final[dict[StackOperation, str]] = labelled(
    {
        StackOperation.PREVIEW: N_("Preview"),
        StackOperation.UP: N_("Up (deploy)"),
        StackOperation.REFRESH: N_("Refresh"),
        StackOperation.DESTROY: N_("Destroy"),
    }
)


STACK_RUN_LABELS: Final[dict[StackRunStatus, str]] = labelled(
    {
        StackRunStatus.RUNNING: N_("Running"),
        StackRunStatus.SUCCEEDED: N_("Succeeded"),
        StackRunStatus.FAILED: N_("Failed"),
    }
)

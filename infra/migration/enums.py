"""Migration vocabulary: strategies, criticality, statuses of systems, waves and runs."""

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class Strategy(StrEnum):
    """The 6 R's as government clouds use them."""

    REHOST = "rehost"  # lift and shift onto cloud VMs
    REPLATFORM = "replatform"  # e.g. the database onto the cloud's managed database
    REFACTOR = "refactor"  # rebuilt for the cloud (out of this tool's hands)
    REPURCHASE = "repurchase"  # replaced by a shared platform service
    RETIRE = "retire"  # switched off
    RETAIN = "retain"  # stays where it is (for now)

    @property
    def moves(self) -> bool:
        """Whether the system is migrated by govcloud's runs."""
        return self in (Strategy.REHOST, Strategy.REPLATFORM)


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class SystemStatus(StrEnum):
    REGISTERED = "registered"
    ASSESSED = "assessed"
    SIGNED_OFF = "signed_off"  # the department accepted the assessment
    PLANNED = "planned"  # in a wave
    MIGRATING = "migrating"
    MIGRATED = "migrated"
    ROLLED_BACK = "rolled_back"
    RETIRED = "retired"


class DependencySource(StrEnum):
    DECLARED = "declared"
    DISCOVERED = "discovered"


class ServerRole(StrEnum):
    APP = "app"
    DATABASE = "database"
    WEB = "web"
    OTHER = "other"


class RunKind(StrEnum):
    MIGRATE = "migrate"  # copy, restore, configure, verify — source untouched
    CUTOVER = "cutover"  # stop source, final sync, verify, start target, health check
    ROLLBACK = "rollback"  # restart source, discard target


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # stopped at a step; resumable
    ROLLED_BACK = "rolled_back"

    @property
    def resumable(self) -> bool:
        return self in (RunStatus.FAILED, RunStatus.RUNNING)


STRATEGY_LABELS: Final[dict[Strategy, str]] = labelled(
    {
        Strategy.REHOST: N_("Rehost"),
        Strategy.REPLATFORM: N_("Replatform"),
        Strategy.REFACTOR: N_("Refactor"),
        Strategy.REPURCHASE: N_("Repurchase"),
        Strategy.RETIRE: N_("Retire"),
        Strategy.RETAIN: N_("Retain"),
    }
)


SYSTEM_STATUS_LABELS: Final[dict[SystemStatus, str]] = labelled(
    {
        SystemStatus.REGISTERED: N_("Registered"),
        SystemStatus.ASSESSED: N_("Assessed"),
        SystemStatus.SIGNED_OFF: N_("Signed off"),
        SystemStatus.PLANNED: N_("Scheduled"),
        SystemStatus.MIGRATING: N_("Migrating"),
        SystemStatus.MIGRATED: N_("Migrated"),
        SystemStatus.ROLLED_BACK: N_("Rolled back"),
        SystemStatus.RETIRED: N_("Taken offline"),
    }
)


CRITICALITY_LABELS: Final[dict[Criticality, str]] = labelled(
    {
        Criticality.LOW: N_("Low"),
        Criticality.MEDIUM: N_("Medium"),
        Criticality.HIGH: N_("High"),
        Criticality.CRITICAL: N_("Mission-critical"),
    }
)


RUN_STATUS_LABELS: Final[dict[RunStatus, str]] = labelled(
    {
        RunStatus.QUEUED: N_("Queued"),
        RunStatus.RUNNING: N_("Running"),
        RunStatus.SUCCEEDED: N_("Succeeded"),
        RunStatus.FAILED: N_("Failed"),
        RunStatus.ROLLED_BACK: N_("Rolled back"),
    }
)

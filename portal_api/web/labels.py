"""Human labels for the enums shown on the pages (msgids; translated when rendered)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.discovery.enums import Reachability
from infra.inventory.enums import (
    SLA_TERM_LABELS,
    Carrier,
    DeviceKind,
    HostStatus,
    NetworkZone,
    SiteKind,
)
from infra.jobs.enums import JobStatus
from infra.labels import N_
from infra.migration.enums import Criticality, RunStatus, Strategy, SystemStatus
from infra.provisioning.enums import StackOperation, StackRunStatus
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.tenancy.requests.enums import (
    REQUEST_EVENT_LABELS,
    ApprovalStage,
    RequestKind,
    RequestState,
    StepStatus,
    UsageLevel,
)
from monitoring.assessment.enums import COMMENT_LABELS, GRADE_LABELS, STATUS_LABELS

ROLE_LABELS: Final[dict[Role, str]] = {
    Role.DEPARTMENT_USER: N_("Department user"),
    Role.DEPARTMENT_ADMIN: N_("Department administrator"),
    Role.OPERATOR: N_("Cloud operator"),
    Role.FINANCE: N_("Finance"),
    Role.MANAGER: N_("Manager"),
    Role.PROVIDER_REP: N_("Provider representative"),
    Role.AUDITOR: N_("Auditor"),
}

ZONE_LABELS: Final[dict[NetworkZone, str]] = {
    NetworkZone.INTERNET: N_("Internet zone"),
    NetworkZone.EXTRANET: N_("E-government extranet"),
    NetworkZone.PRIVATE: N_("Private business network"),
    NetworkZone.INTRANET: N_("E-government intranet (classified)"),
}

RESOURCE_LABELS: Final[dict[ResourceClass, str]] = {
    ResourceClass.VCPU: N_("vCPU (cores)"),
    ResourceClass.MEMORY_GIB: N_("Memory (GiB)"),
    ResourceClass.STORAGE_GIB: N_("Storage (GiB)"),
    ResourceClass.PUBLIC_IP: N_("Public IP addresses"),
    ResourceClass.BANDWIDTH_MBPS: N_("Bandwidth (Mbit/s)"),
}

KIND_LABELS: Final[dict[DepartmentKind, str]] = {
    DepartmentKind.CITY: N_("City"),
    DepartmentKind.DEPARTMENT: N_("Department"),
    DepartmentKind.SECTION: N_("Section"),
}

SITE_KIND_LABELS: Final[dict[SiteKind, str]] = {
    SiteKind.CLOUD: N_("Shared-cloud site"),
    SiteKind.LEGACY_ROOM: N_("Legacy machine room"),
}

HOST_STATUS_LABELS: Final[dict[HostStatus, str]] = {
    HostStatus.PLANNED: N_("Planned"),
    HostStatus.ACTIVE: N_("Active"),
    HostStatus.MAINTENANCE: N_("In maintenance"),
    HostStatus.RETIRED: N_("Retired"),
}

DEVICE_KIND_LABELS: Final[dict[DeviceKind, str]] = {
    DeviceKind.STORAGE: N_("Storage"),
    DeviceKind.NETWORK: N_("Network equipment"),
    DeviceKind.SECURITY: N_("Security equipment"),
}

CARRIER_LABELS: Final[dict[Carrier, str]] = {
    Carrier.CHINA_UNICOM: N_("China Unicom"),
    Carrier.CHINA_MOBILE: N_("China Mobile"),
    Carrier.CHINA_TELECOM: N_("China Telecom"),
    Carrier.CHINA_BROADNET: N_("China Broadnet"),
    Carrier.OTHER: N_("Other carrier"),
}

REQUEST_STATE_LABELS: Final[dict[RequestState, str]] = {
    RequestState.DRAFT: N_("Draft"),
    RequestState.SUBMITTED: N_("Submitted"),
    RequestState.APPROVED: N_("Approved"),
    RequestState.REJECTED: N_("Rejected"),
    RequestState.PLACED: N_("Placed"),
    RequestState.ACTIVE: N_("Running"),
    RequestState.EXPIRED: N_("Expired"),
    RequestState.RELEASED: N_("Released"),
    RequestState.WITHDRAWN: N_("Withdrawn"),
}

REQUEST_KIND_LABELS: Final[dict[RequestKind, str]] = {
    RequestKind.NEW: N_("New capacity"),
    RequestKind.CHANGE: N_("Change request"),
}

STAGE_LABELS: Final[dict[ApprovalStage, str]] = {
    ApprovalStage.SECTION_HEAD: N_("Section head"),
    ApprovalStage.DEPARTMENT_ADMIN: N_("Department administrator"),
    ApprovalStage.CLOUD_OFFICE: N_("Cloud office"),
    ApprovalStage.FINANCE: N_("Finance"),
}

STEP_LABELS: Final[dict[StepStatus, str]] = {
    StepStatus.WAITING: N_("Waiting"),
    StepStatus.APPROVED: N_("Approved"),
    StepStatus.REJECTED: N_("Rejected"),
}

USAGE_LEVEL_LABELS: Final[dict[UsageLevel, str]] = {
    UsageLevel.OK: N_("OK"),
    UsageLevel.WARNING: N_("Warning"),
    UsageLevel.CRITICAL: N_("Critical"),
}

STACK_OPERATION_LABELS: Final[dict[StackOperation, str]] = {
    StackOperation.PREVIEW: N_("Preview"),
    StackOperation.UP: N_("Up (deploy)"),
    StackOperation.REFRESH: N_("Refresh"),
    StackOperation.DESTROY: N_("Destroy"),
}

STACK_RUN_LABELS: Final[dict[StackRunStatus, str]] = {
    StackRunStatus.RUNNING: N_("Running"),
    StackRunStatus.SUCCEEDED: N_("Succeeded"),
    StackRunStatus.FAILED: N_("Failed"),
}

JOB_STATUS_LABELS: Final[dict[JobStatus, str]] = {
    JobStatus.QUEUED: N_("Queued"),
    JobStatus.RUNNING: N_("Running"),
    JobStatus.SUCCEEDED: N_("Succeeded"),
    JobStatus.FAILED: N_("Failed"),
    JobStatus.CANCELLED: N_("Cancelled"),
}

STRATEGY_LABELS: Final[dict[Strategy, str]] = {
    Strategy.REHOST: N_("Rehost"),
    Strategy.REPLATFORM: N_("Replatform"),
    Strategy.REFACTOR: N_("Refactor"),
    Strategy.REPURCHASE: N_("Repurchase"),
    Strategy.RETIRE: N_("Retire"),
    Strategy.RETAIN: N_("Retain"),
}

SYSTEM_STATUS_LABELS: Final[dict[SystemStatus, str]] = {
    SystemStatus.REGISTERED: N_("Registered"),
    SystemStatus.ASSESSED: N_("Assessed"),
    SystemStatus.SIGNED_OFF: N_("Signed off"),
    SystemStatus.PLANNED: N_("Scheduled"),
    SystemStatus.MIGRATING: N_("Migrating"),
    SystemStatus.MIGRATED: N_("Migrated"),
    SystemStatus.ROLLED_BACK: N_("Rolled back"),
    SystemStatus.RETIRED: N_("Taken offline"),
}

CRITICALITY_LABELS: Final[dict[Criticality, str]] = {
    Criticality.LOW: N_("Low"),
    Criticality.MEDIUM: N_("Medium"),
    Criticality.HIGH: N_("High"),
    Criticality.CRITICAL: N_("Mission-critical"),
}

RUN_STATUS_LABELS: Final[dict[RunStatus, str]] = {
    RunStatus.QUEUED: N_("Queued"),
    RunStatus.RUNNING: N_("Running"),
    RunStatus.SUCCEEDED: N_("Succeeded"),
    RunStatus.FAILED: N_("Failed"),
    RunStatus.ROLLED_BACK: N_("Rolled back"),
}

REACHABILITY_LABELS: Final[dict[Reachability, str]] = {
    Reachability.PENDING: N_("Not yet probed"),
    Reachability.REACHABLE: N_("Reachable"),
    Reachability.UNREACHABLE: N_("Unreachable"),
    Reachability.HOST_KEY_UNKNOWN: N_("Host key unknown (refused)"),
    Reachability.HOST_KEY_MISMATCH: N_("Host key changed (refused)"),
    Reachability.AUTH_FAILED: N_("Authentication failed"),
    Reachability.PROBE_FAILED: N_("Probe failed"),
}

_ALL_LABELS: Final = (
    ROLE_LABELS,
    ZONE_LABELS,
    RESOURCE_LABELS,
    KIND_LABELS,
    SITE_KIND_LABELS,
    HOST_STATUS_LABELS,
    DEVICE_KIND_LABELS,
    CARRIER_LABELS,
    REQUEST_STATE_LABELS,
    REQUEST_KIND_LABELS,
    STAGE_LABELS,
    STEP_LABELS,
    USAGE_LEVEL_LABELS,
    STACK_OPERATION_LABELS,
    STACK_RUN_LABELS,
    JOB_STATUS_LABELS,
    STRATEGY_LABELS,
    SYSTEM_STATUS_LABELS,
    CRITICALITY_LABELS,
    RUN_STATUS_LABELS,
    REACHABILITY_LABELS,
    GRADE_LABELS,
    STATUS_LABELS,
    COMMENT_LABELS,
    REQUEST_EVENT_LABELS,
    SLA_TERM_LABELS,
)
_BY_TYPE: Final[dict[type[StrEnum], dict[str, str]]] = {
    type(next(iter(labels))): {member.value: text for member, text in labels.items()}
    for labels in _ALL_LABELS
}


def label_msgid(value: StrEnum) -> str:
    """The msgid naming ``value``; an enum member without a label shows its raw value."""
    return _BY_TYPE.get(type(value), {}).get(value.value, value.value)


def raw_msgid(enum_cls: type[StrEnum], raw: str) -> str:
    """The msgid for a stored string that should be one of ``enum_cls`` (an audit action,
    a contract term's key); anything else shows as stored."""
    try:
        return label_msgid(enum_cls(raw))
    except ValueError:
        return raw


def all_labelled() -> list[StrEnum]:
    """Every enum member that has a label (the tests check none is missing)."""
    return [member for enum_cls in _BY_TYPE for member in enum_cls]

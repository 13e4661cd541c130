"""Human labels for the enums shown on the pages (msgids; translated when rendered)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.discovery.enums import Reachability
from infra.inventory.enums import NetworkZone
from infra.migration.enums import Criticality, RunStatus, Strategy, SystemStatus
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, when the page is rendered."""
    return message


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
    SystemStatus.PLANNED: N_("Planned"),
    SystemStatus.MIGRATING: N_("Migrating"),
    SystemStatus.MIGRATED: N_("Migrated"),
    SystemStatus.ROLLED_BACK: N_("Rolled back"),
    SystemStatus.RETIRED: N_("Retired"),
}

CRITICALITY_LABELS: Final[dict[Criticality, str]] = {
    Criticality.LOW: N_("Low"),
    Criticality.MEDIUM: N_("Medium"),
    Criticality.HIGH: N_("High"),
    Criticality.CRITICAL: N_("Critical"),
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
    STRATEGY_LABELS,
    SYSTEM_STATUS_LABELS,
    CRITICALITY_LABELS,
    RUN_STATUS_LABELS,
    REACHABILITY_LABELS,
)
_BY_TYPE: Final[dict[type[StrEnum], dict[str, str]]] = {
    type(next(iter(labels))): {member.value: text for member, text in labels.items()}
    for labels in _ALL_LABELS
}


def label_msgid(value: StrEnum) -> str:
    """The msgid naming ``value``; an enum member without a label shows its raw value."""
    return _BY_TYPE.get(type(value), {}).get(value.value, value.value)


def all_labelled() -> list[StrEnum]:
    """Every enum member that has a label (the tests check none is missing)."""
    return [member for enum_cls in _BY_TYPE for member in enum_cls]

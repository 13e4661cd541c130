"""Human labels for the enums shown on the pages (msgids; translated when rendered)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.inventory.enums import NetworkZone
from infra.jobs.enums import JobStatus
from infra.provisioning.enums import StackOperation, StackRunStatus
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

_ALL_LABELS: Final = (
    ROLE_LABELS,
    ZONE_LABELS,
    RESOURCE_LABELS,
    KIND_LABELS,
    STACK_OPERATION_LABELS,
    STACK_RUN_LABELS,
    JOB_STATUS_LABELS,
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

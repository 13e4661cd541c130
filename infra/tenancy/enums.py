from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class DepartmentKind(StrEnum):
    """Levels of the administrative hierarchy: city (or province) → department → section."""

    CITY = "city"
    DEPARTMENT = "department"
    SECTION = "section"

    @property
    def parent_kind(self) -> "DepartmentKind | None":
        return {
            DepartmentKind.CITY: None,
            DepartmentKind.DEPARTMENT: DepartmentKind.CITY,
            DepartmentKind.SECTION: DepartmentKind.DEPARTMENT,
        }[self]


class Role(StrEnum):
    DEPARTMENT_USER = "department_user"
    DEPARTMENT_ADMIN = "department_admin"
    OPERATOR = "operator"
    FINANCE = "finance"
    MANAGER = "manager"
    PROVIDER_REP = "provider_rep"
    AUDITOR = "auditor"

    @property
    def is_department_role(self) -> bool:
        """Department roles belong to one department and see only its subtree."""
        return self in (Role.DEPARTMENT_USER, Role.DEPARTMENT_ADMIN)


class ResourceClass(StrEnum):
    VCPU = "vcpu"
    MEMORY_GIB = "memory_gib"
    STORAGE_GIB = "storage_gib"
    PUBLIC_IP = "public_ip"
    BANDWIDTH_MBPS = "bandwidth_mbps"


# Upper bounds for one department's quota in one zone: anything larger is a typo, not a plan.
QUOTA_MAXIMUM: dict[ResourceClass, int] = {
    ResourceClass.VCPU: 100_000,
    ResourceClass.MEMORY_GIB: 1_000_000,
    ResourceClass.STORAGE_GIB: 100_000_000,
    ResourceClass.PUBLIC_IP: 65_536,
    ResourceClass.BANDWIDTH_MBPS: 1_000_000,
}


ROLE_LABELS: Final[dict[Role, str]] = labelled(
    {
        Role.DEPARTMENT_USER: N_("Department user"),
        Role.DEPARTMENT_ADMIN: N_("Department administrator"),
        Role.OPERATOR: N_("Cloud operator"),
        Role.FINANCE: N_("Finance"),
        Role.MANAGER: N_("Manager"),
        Role.PROVIDER_REP: N_("Provider representative"),
        Role.AUDITOR: N_("Auditor"),
    }
)


RESOURCE_LABELS: Final[dict[ResourceClass, str]] = labelled(
    {
        ResourceClass.VCPU: N_("vCPU (cores)"),
        ResourceClass.MEMORY_GIB: N_("Memory (GiB)"),
        ResourceClass.STORAGE_GIB: N_("Storage (GiB)"),
        ResourceClass.PUBLIC_IP: N_("Public IP addresses"),
        ResourceClass.BANDWIDTH_MBPS: N_("Bandwidth (Mbit/s)"),
    }
)


KIND_LABELS: Final[dict[DepartmentKind, str]] = labelled(
    {
        DepartmentKind.CITY: N_("City"),
        DepartmentKind.DEPARTMENT: N_("Department"),
        DepartmentKind.SECTION: N_("Section"),
    }
)

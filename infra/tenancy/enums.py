from enum import StrEnum


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

"""The stacks' configuration: typed, read from Pulumi config in exactly one place.

govcloud writes the config of every department's stack from its database
(``infra/provisioning``): ``govcloud:program`` names the program, ``govcloud:tenancy`` or
``govcloud:platform`` holds the program's settings as one JSON object.  The programs never
read Pulumi config themselves; they receive the typed objects built here.

This module imports nothing of govcloud's: the stacks are artifacts the control panel runs,
and they must also run from a plain ``pulumi up`` in the repository root.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

NAMESPACE = "govcloud"  # the Pulumi config namespace: keys are ``govcloud:<key>``
PROGRAM_KEY = "program"
TENANCY_KEY = "tenancy"
PLATFORM_KEY = "platform"

# Label keys every tenancy object carries (and the platform's namespaces where they apply).
LABEL_PREFIX = "govcloud.io"
DEPARTMENT_LABEL = f"{LABEL_PREFIX}/department"
ZONE_LABEL = f"{LABEL_PREFIX}/zone"
MLPS_LABEL = f"{LABEL_PREFIX}/mlps-level"
PLATFORM_LABEL = f"{LABEL_PREFIX}/platform"
MANAGED_BY = {"app.kubernetes.io/managed-by": "govcloud"}

# Resource classes of govcloud's quotas (infra.tenancy.enums.ResourceClass values).
RESOURCE_CLASSES = ("vcpu", "memory_gib", "storage_gib", "public_ip", "bandwidth_mbps")
ZONES = ("internet", "extranet", "private")  # the zones hosting shared-cloud capacity
MONITORING_NAMESPACE = "govcloud-monitoring"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


# Department codes name Kubernetes namespaces (``<code>-<zone>``) and stacks (``dept-<code>``).
# They may never collide with what the platform names: its namespaces (``govcloud-*``,
# ``kube-*``, ``default``), its stack (``platform``), Kubernetes' own.
RESERVED_CODES = frozenset(
    {"platform", "default", "govcloud", "kube", "kubernetes", "system", "admin", "dept"}
)
RESERVED_PREFIXES = ("govcloud-", "kube-", "kubernetes-", "openshift-", "platform-", "dept-")
CODE_MAX_LENGTH = 40  # + "-extranet" stays a 63-character label, never cut and hashed
_CODE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def department_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a department's code, or None: it must be a DNS-1123 label that
    starts with a letter, of 2 to 40 characters, without ``--``, and collide with no name the
    platform uses."""
    if not 2 <= len(code) <= CODE_MAX_LENGTH:
        return f"2 to {CODE_MAX_LENGTH} characters (a namespace is <code>-<zone>), got {len(code)}"
    if not _CODE.match(code):
        return (
            "lowercase letters, digits and single hyphens, starting with a letter and "
            "ending with a letter or digit (a Kubernetes DNS-1123 label)"
        )
    if "--" in code:
        return "no two hyphens in a row"
    if code in RESERVED_CODES:
        return f"{code!r} is reserved for the platform"
    for prefix in RESERVED_PREFIXES:
        if code.startswith(prefix):
            return f"codes starting with {prefix!r} are reserved for the platform"
    return None


def dns_label(*parts: str) -> str:
    """``parts`` joined by ``-`` as a valid DNS-1123 label (≤ 63 characters): a long name is
    cut and given a short hash of the full name, so distinct inputs stay distinct."""
    name = "-".join(parts).lower()
    if len(name) > 63:
        digest = hashlib.sha256(name.encode()).hexdigest()[:6]
        name = f"{name[:56].rstrip('-')}-{digest}"
    if not _DNS_LABEL.match(name):
        raise ValueError(f"{name!r} is not a valid Kubernetes name (DNS-1123 label)")
    return name


def ingress_namespace(zone: str) -> str:
    """The namespace of a zone's ingress controller (a shared platform service)."""
    return dns_label("govcloud-ingress", zone)


@dataclass(frozen=True)
class ZoneTenancy:
    """A department's share of one network zone: its quota limits by resource class, and the
    highest MLPS (等级保护) level of the systems it runs there."""

    zone: str
    mlps_level: int
    quotas: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.zone not in ZONES:
            raise ValueError(f"zone {self.zone!r} hosts no shared capacity; expected {ZONES}")
        if not 1 <= self.mlps_level <= 4:
            raise ValueError(f"mlps_level must be 1–4, got {self.mlps_level}")
        for resource, limit in self.quotas.items():
            if resource not in RESOURCE_CLASSES:
                raise ValueError(f"unknown resource class {resource!r}")
            if limit < 0:
                raise ValueError(f"quota {resource} in {self.zone} is negative: {limit}")

    def limit(self, resource: str) -> int:
        """The limit for ``resource``; a resource without a quota row may not be used (0)."""
        return self.quotas.get(resource, 0)


@dataclass(frozen=True)
class TenancyConfig:
    """One department's tenancy: a namespace per zone where it holds quota."""

    department: str
    display_name: str
    zones: tuple[ZoneTenancy, ...]
    admin_group: str
    user_group: str

    def __post_init__(self) -> None:
        problem = department_code_problem(self.department)
        if problem:
            raise ValueError(f"department code {self.department!r}: {problem}")
        seen = [z.zone for z in self.zones]
        if len(seen) != len(set(seen)):
            raise ValueError(f"zones repeat in the tenancy of {self.department}: {seen}")

    def namespace(self, zone: str) -> str:
        return dns_label(self.department, zone)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TenancyConfig:
        zones = tuple(
            ZoneTenancy(
                zone=str(z["zone"]),
                mlps_level=int(z["mlps_level"]),
                quotas={str(k): int(v) for k, v in dict(z.get("quotas", {})).items()},
            )
            for z in data.get("zones", [])
        )
        return cls(
            department=str(data["department"]),
            display_name=str(data.get("display_name") or data["department"]),
            zones=zones,
            admin_group=str(data["admin_group"]),
            user_group=str(data["user_group"]),
        )

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON: equal configs deploy equal stacks."""
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class PlatformConfig:
    """Shared services: monitoring (the host agent on every node) and an ingress class per
    zone."""

    zones: tuple[str, ...] = ZONES
    agent_image: str = "registry.govcloud.local/govcloud/agent:0.1.0"
    control_panel_url: str = "https://govcloud.local"
    ingress_controller: str = "k8s.io/ingress-nginx"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlatformConfig:
        defaults = cls()
        return cls(
            zones=tuple(str(z) for z in data.get("zones", defaults.zones)),
            agent_image=str(data.get("agent_image", defaults.agent_image)),
            control_panel_url=str(data.get("control_panel_url", defaults.control_panel_url)),
            ingress_controller=str(data.get("ingress_controller", defaults.ingress_controller)),
        )


def pulumi_config_values(config: TenancyConfig | PlatformConfig) -> dict[str, str]:
    """The stack config that makes :func:`load` rebuild ``config``: ``{"govcloud:key": value}``."""
    if isinstance(config, TenancyConfig):
        program, key = TENANCY_KEY, TENANCY_KEY
    else:
        program, key = PLATFORM_KEY, PLATFORM_KEY
    return {
        f"{NAMESPACE}:{PROGRAM_KEY}": program,
        f"{NAMESPACE}:{key}": json.dumps(config.to_json(), sort_keys=True, ensure_ascii=False),
    }


def load() -> TenancyConfig | PlatformConfig:
    """Read the stack's config (the one place that touches ``pulumi.Config``)."""
    import pulumi

    config = pulumi.Config(NAMESPACE)
    program = config.get(PROGRAM_KEY) or TENANCY_KEY
    if program == TENANCY_KEY:
        return TenancyConfig.from_json(config.require_object(TENANCY_KEY))
    if program == PLATFORM_KEY:
        return PlatformConfig.from_json(config.get_object(PLATFORM_KEY) or {})
    raise ValueError(f"govcloud:program must be {TENANCY_KEY!r} or {PLATFORM_KEY!r}: {program!r}")

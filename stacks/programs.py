"""The stack programs: importable functions that ``__main__.py`` (the pulumi CLI) and the
Automation API (``infra/provisioning``) both call."""

from __future__ import annotations

import pulumi

from stacks import config as stack_config
from stacks.config import PlatformConfig, TenancyConfig
from stacks.platform import PlatformServices
from stacks.tenancy import DepartmentTenancy


def tenancy_program(config: TenancyConfig) -> DepartmentTenancy:
    """One department's tenancy stack."""
    tenancy = DepartmentTenancy(config.department, config)
    pulumi.export("department", config.department)
    pulumi.export("namespaces", tenancy.namespaces)
    pulumi.export("fingerprint", config.fingerprint())
    return tenancy


def platform_program(config: PlatformConfig) -> PlatformServices:
    """The shared platform services stack."""
    platform = PlatformServices("platform", config)
    pulumi.export("zones", list(config.zones))
    return platform


def main() -> None:
    """Run whichever program the stack's config names (``govcloud:program``)."""
    loaded = stack_config.load()
    if isinstance(loaded, TenancyConfig):
        tenancy_program(loaded)
    else:
        platform_program(loaded)

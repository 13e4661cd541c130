"""Multi-step work on a department's stack: run it through Pulumi, render it, check drift."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from infra.provisioning import kube_adapter
from infra.provisioning.drift import DriftReport, compare_quotas
from infra.provisioning.pulumi_adapter import CliLookup, PulumiAdapter
from infra.provisioning.service import tenancy_config
from infra.settings import ProvisioningSettings
from infra.tenancy.models import Department
from stacks.config import PlatformConfig, TenancyConfig
from stacks.quota import quota_hard

_cli_lookup: CliLookup = shutil.which
QuotaLister = Callable[..., list[dict[str, Any]]]


def set_cli_lookup(lookup: CliLookup) -> CliLookup:
    """Decide how the pulumi CLI is found (tests: never, whatever the machine has); returns
    the previous lookup."""
    global _cli_lookup
    previous, _cli_lookup = _cli_lookup, lookup
    return previous


def adapter_for(settings: ProvisioningSettings) -> PulumiAdapter:
    return PulumiAdapter(
        state_dir=settings.state_dir,
        passphrase=settings.passphrase.get_secret_value(),
        pulumi_command=settings.pulumi_command,
        kubeconfig=settings.kubeconfig,
        kube_context=settings.kube_context,
        which=_cli_lookup,
    )


def platform_config(settings: ProvisioningSettings) -> PlatformConfig:
    return PlatformConfig(
        agent_image=settings.agent_image, control_panel_url=settings.control_panel_url
    )


def expected_quotas(config: TenancyConfig) -> dict[str, dict[str, str]]:
    """Namespace → ResourceQuota ``spec.hard`` the database implies."""
    return {config.namespace(zone.zone): quota_hard(zone) for zone in config.zones}


def drift(
    session: Session,
    *,
    department: Department,
    settings: ProvisioningSettings,
    list_quotas: QuotaLister = kube_adapter.list_resource_quotas,
) -> DriftReport:
    """Compare the department's quotas with the cluster's ResourceQuotas."""
    config = tenancy_config(session, department=department, settings=settings)
    live = list_quotas(
        kubeconfig=settings.kubeconfig,
        context=settings.kube_context,
        label_selector=f"govcloud.io/department={department.code}",
    )
    return compare_quotas(department=department.code, expected=expected_quotas(config), live=live)


def render_department(
    session: Session, *, department: Department, settings: ProvisioningSettings
) -> list[Any]:
    """The department's stack as Kubernetes manifests (``stacks.render.Manifest``), produced
    by running the program under Pulumi's mocks: no CLI, no cluster."""
    from stacks.programs import tenancy_program
    from stacks.render import render

    config = tenancy_config(session, department=department, settings=settings)
    return render(lambda: tenancy_program(config), stack=f"dept-{department.code}")


def render_platform(settings: ProvisioningSettings) -> list[Any]:
    """The shared platform stack as manifests."""
    from stacks.programs import platform_program
    from stacks.render import render

    config = platform_config(settings)
    return render(lambda: platform_program(config), stack="platform")

"""Rendering stacks to manifests without a cluster: valid for Kubernetes, and as reviewed."""

from __future__ import annotations

import os
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.provisioning import flows
from infra.settings import get_settings
from infra.tenancy.enums import DepartmentKind
from infra.tenancy.models import Department, Quota
from portal_api import demo
from stacks.config import PlatformConfig, TenancyConfig, ZoneTenancy
from stacks.programs import platform_program, tenancy_program
from stacks.render import Manifest, render, write

KUBERNETES = "1.33"
SNAPSHOT = Path(__file__).parent / "snapshots" / "police"
UPDATE = os.environ.get("GOVCLOUD_UPDATE_SNAPSHOTS") == "1"

POLICE = TenancyConfig(
    department="police",
    display_name="市公安局",
    zones=(
        ZoneTenancy(
            "internet",
            3,
            {
                "vcpu": 64,
                "memory_gib": 256,
                "storage_gib": 4096,
                "public_ip": 8,
                "bandwidth_mbps": 200,
            },
        ),
        ZoneTenancy("extranet", 2, {"vcpu": 256, "memory_gib": 1024, "storage_gib": 20480}),
    ),
    admin_group="govcloud:police:admin",
    user_group="govcloud:police:user",
)


def _validate(manifests: list[Manifest]) -> None:
    assert manifests
    for manifest in manifests:
        kubernetes_validate.validate(manifest.body, KUBERNETES, strict=True)


def test_police_manifests_match_the_reviewed_snapshot(tmp_path: Path) -> None:
    manifests = render(lambda: tenancy_program(POLICE), stack="dept-police")
    written = write(manifests, SNAPSHOT if UPDATE else tmp_path)
    expected = sorted(p.name for p in SNAPSHOT.glob("*.yaml"))
    assert [p.name for p in written] == expected
    for path in written:
        assert path.read_text(encoding="utf-8") == (SNAPSHOT / path.name).read_text(
            encoding="utf-8"
        ), f"{path.name} differs from the reviewed snapshot (GOVCLOUD_UPDATE_SNAPSHOTS=1)"
    _validate(manifests)
    # One file per object, and each file is exactly its object.
    for path, manifest in zip(written, manifests, strict=True):
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == manifest.body


def test_platform_manifests_are_valid() -> None:
    manifests = render(lambda: platform_program(PlatformConfig()), stack="platform")
    _validate(manifests)
    kinds = sorted({m.kind for m in manifests})
    assert kinds == ["DaemonSet", "IngressClass", "Namespace", "ServiceAccount"]
    classes = sorted(m.name for m in manifests if m.kind == "IngressClass")
    assert classes == ["govcloud-extranet", "govcloud-internet", "govcloud-private"]


@pytest.mark.slow
def test_every_demo_department_renders_valid_manifests(session: Session) -> None:
    demo.load(session)
    session.commit()
    settings = get_settings().provisioning
    departments = session.scalars(
        select(Department)
        .where(Department.kind != DepartmentKind.CITY)
        .where(Department.id.in_(select(Quota.department_id)))
        .order_by(Department.code)
    ).all()
    assert len(departments) >= 6
    for department in departments:
        manifests = flows.render_department(session, department=department, settings=settings)
        _validate(manifests)
        quotas = [m for m in manifests if m.kind == "ResourceQuota"]
        zones = {
            q.zone.value
            for q in session.scalars(select(Quota).where(Quota.department_id == department.id))
        }
        assert {m.namespace for m in quotas} == {f"{department.code}-{z}" for z in zones}

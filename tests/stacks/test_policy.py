"""Policy the tenancy stacks must hold, checked on what the programs declare under Pulumi's
mocks (``pulumi.runtime.set_mocks`` + ``@pulumi.runtime.test``): no CLI, no cluster."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pulumi
import pytest
from sqlalchemy.orm import Session

from infra.inventory.enums import NetworkZone
from infra.provisioning.service import tenancy_config
from infra.settings import get_settings
from infra.tenancy.enums import DepartmentKind, ResourceClass
from infra.tenancy.models import Department
from stacks.config import PlatformConfig, TenancyConfig, ZoneTenancy
from stacks.platform import PlatformServices
from stacks.tenancy import DepartmentTenancy
from tests import factories
from tests.stacks.conftest import RecordingMocks, namespace_labels, run, selected

GIB = Decimal(2) ** 30


def _quantity(text: str) -> Decimal:
    from infra.provisioning.quantities import parse_quantity

    return parse_quantity(text)


@pytest.fixture
def two_departments(session: Session) -> tuple[list[Department], list[TenancyConfig]]:
    """Police in all three zones, health in two, with distinct limits, built in the database."""
    city = factories.department(session, kind=DepartmentKind.CITY)
    police = factories.department(session, parent=city, code="police")
    health = factories.department(session, parent=city, code="health")
    plan = {
        police: {
            NetworkZone.INTERNET: {
                ResourceClass.VCPU: 64,
                ResourceClass.MEMORY_GIB: 256,
                ResourceClass.STORAGE_GIB: 4096,
                ResourceClass.PUBLIC_IP: 8,
                ResourceClass.BANDWIDTH_MBPS: 200,
            },
            NetworkZone.EXTRANET: {ResourceClass.VCPU: 256, ResourceClass.MEMORY_GIB: 1024},
            NetworkZone.PRIVATE: {ResourceClass.STORAGE_GIB: 10_240},
        },
        health: {
            NetworkZone.INTERNET: {ResourceClass.VCPU: 16, ResourceClass.PUBLIC_IP: 2},
            NetworkZone.PRIVATE: {ResourceClass.VCPU: 32, ResourceClass.MEMORY_GIB: 128},
        },
    }
    for dept, zones in plan.items():
        for zone, limits in zones.items():
            for resource, limit in limits.items():
                factories.quota(session, dept=dept, resource=resource, zone=zone, limit=limit)
    settings = get_settings().provisioning
    configs = [tenancy_config(session, department=d, settings=settings) for d in (police, health)]
    return [police, health], configs


def _declare(configs: list[TenancyConfig]) -> list[DepartmentTenancy]:
    PlatformServices("platform", PlatformConfig())
    return [DepartmentTenancy(c.department, c) for c in configs]


def _namespaces(mocks: RecordingMocks) -> dict[str, dict[str, str]]:
    return {ns["metadata"]["name"]: namespace_labels(ns) for ns in mocks.objects("Namespace")}


def _in(mocks: RecordingMocks, kind: str, namespace: str) -> list[dict[str, Any]]:
    return [o for o in mocks.objects(kind) if o["metadata"].get("namespace") == namespace]


def test_every_namespace_has_a_quota_matching_the_database(
    mocks: RecordingMocks, session: Session, two_departments: Any
) -> None:
    departments, configs = two_departments

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        tenancies = _declare(configs)
        return pulumi.Output.all(*[t.namespaces for t in tenancies])

    run(program)
    from infra.tenancy.models import Quota

    quotas = session.query(Quota).all()
    by_dept = {d.id: d.code for d in departments}
    tenancy_namespaces = {
        name: labels
        for name, labels in _namespaces(mocks).items()
        if "govcloud.io/department" in labels
    }
    # One namespace per department × zone with quota, and nothing else.
    wanted = {f"{by_dept[q.department_id]}-{q.zone.value}" for q in quotas}
    assert set(tenancy_namespaces) == wanted
    for name in tenancy_namespaces:
        (quota,) = _in(mocks, "ResourceQuota", name)
        hard = {k: _quantity(v) for k, v in quota["spec"]["hard"].items()}
        rows = {
            q.resource: q.limit
            for q in quotas
            if f"{by_dept[q.department_id]}-{q.zone.value}" == name
        }
        assert hard["requests.cpu"] == hard["limits.cpu"] == rows.get(ResourceClass.VCPU, 0)
        memory = rows.get(ResourceClass.MEMORY_GIB, 0) * GIB
        assert hard["requests.memory"] == hard["limits.memory"] == memory
        assert hard["requests.storage"] == rows.get(ResourceClass.STORAGE_GIB, 0) * GIB
        assert hard["services.loadbalancers"] == rows.get(ResourceClass.PUBLIC_IP, 0)
        assert hard["services.nodeports"] == 0
        (namespace,) = [n for n in mocks.objects("Namespace") if n["metadata"]["name"] == name]
        bandwidth = namespace["metadata"]["annotations"]["govcloud.io/egress-bandwidth-mbps"]
        assert int(bandwidth) == rows.get(ResourceClass.BANDWIDTH_MBPS, 0)


def test_labels_carry_department_zone_and_mlps_level(mocks: RecordingMocks) -> None:
    config = TenancyConfig(
        department="police",
        display_name="市公安局",
        zones=(ZoneTenancy("internet", 3, {"vcpu": 4}), ZoneTenancy("private", 2, {"vcpu": 2})),
        admin_group="govcloud:police:admin",
        user_group="govcloud:police:user",
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        tenancy = DepartmentTenancy("police", config)

        def check(names: list[str]) -> None:
            assert names == ["police-internet", "police-private"]

        return tenancy.namespaces.apply(check)

    run(program)
    labels = _namespaces(mocks)
    assert labels["police-internet"]["govcloud.io/department"] == "police"
    assert labels["police-internet"]["govcloud.io/zone"] == "internet"
    assert labels["police-internet"]["govcloud.io/mlps-level"] == "3"
    assert labels["police-internet"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["police-private"]["govcloud.io/mlps-level"] == "2"
    assert labels["police-private"]["pod-security.kubernetes.io/enforce"] == "baseline"
    # Every namespaced object names its department and zone too.
    for kind in ("ResourceQuota", "LimitRange", "NetworkPolicy", "Role", "RoleBinding"):
        for obj in mocks.objects(kind):
            zone = obj["metadata"]["namespace"].removeprefix("police-")
            assert obj["metadata"]["labels"]["govcloud.io/department"] == "police"
            assert obj["metadata"]["labels"]["govcloud.io/zone"] == zone


def test_default_deny_is_present_in_every_namespace(
    mocks: RecordingMocks, two_departments: Any
) -> None:
    _departments, configs = two_departments

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        return pulumi.Output.all(*[t.namespaces for t in _declare(configs)])

    run(program)
    for config in configs:
        for zone in config.zones:
            policies = _in(mocks, "NetworkPolicy", config.namespace(zone.zone))
            deny = [
                p
                for p in policies
                if p["spec"]["podSelector"] == {}
                and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
                and not p["spec"].get("ingress")
                and not p["spec"].get("egress")
            ]
            assert deny, f"{config.namespace(zone.zone)} has no default-deny policy"


@pytest.mark.parametrize(("zone", "tenants"), [("internet", 2), ("extranet", 1), ("private", 2)])
def test_no_namespace_admits_another_department_or_zone(
    mocks: RecordingMocks, two_departments: Any, zone: str, tenants: int
) -> None:
    """In every zone: each ingress peer of each department namespace is the namespace itself,
    or a platform namespace of that zone (or zone-less).  Catches a policy admitting another
    department, or another zone's ingress (tried: admitting the internet ingress everywhere
    fails the extranet and private cases; the old internet-only test passed it)."""
    _departments, configs = two_departments

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        return pulumi.Output.all(*[t.namespaces for t in _declare(configs)])

    run(program)
    namespaces = _namespaces(mocks)
    in_zone = [n for n, labels in namespaces.items() if labels.get("govcloud.io/zone") == zone]
    tenancy_in_zone = [n for n in in_zone if "govcloud.io/department" in namespaces[n]]
    assert len(tenancy_in_zone) == tenants
    for name in tenancy_in_zone:
        own = namespaces[name]["govcloud.io/department"]
        for policy in _in(mocks, "NetworkPolicy", name):
            for rule in policy["spec"].get("ingress") or []:
                peers = rule.get("from")
                assert peers, f"{name}/{policy['metadata']['name']} admits every source"
                for peer in peers:
                    assert "ipBlock" not in peer, f"{name} admits addresses directly"
                    if "namespaceSelector" not in peer:
                        continue  # a podSelector alone means this namespace
                    sources = [
                        n
                        for n, labels in namespaces.items()
                        if selected(peer["namespaceSelector"], labels)
                    ]
                    assert sources, "a selector that matches nothing hides a mistake"
                    for source in sources:
                        labels = namespaces[source]
                        department = labels.get("govcloud.io/department")
                        platform = labels.get("govcloud.io/platform") == "true"
                        assert department == own or (platform and department is None), (
                            f"{name} admits traffic from {source}"
                        )
                        peer_zone = labels.get("govcloud.io/zone")
                        assert peer_zone in (None, zone), f"{name} admits zone {peer_zone}"


def test_rbac_binds_the_departments_groups_and_keeps_guardrails_read_only(
    mocks: RecordingMocks, two_departments: Any
) -> None:
    _departments, configs = two_departments

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        return pulumi.Output.all(*[t.namespaces for t in _declare(configs)])

    run(program)
    for config in configs:
        for zone in config.zones:
            namespace = config.namespace(zone.zone)
            bindings = {
                b["roleRef"]["name"]: [s["name"] for s in b["subjects"]]
                for b in _in(mocks, "RoleBinding", namespace)
            }
            assert bindings == {
                "department-admin": [config.admin_group],
                "department-user": [config.user_group],
            }
            for role in _in(mocks, "Role", namespace):
                for rule in role["rules"]:
                    guarded = {"resourcequotas", "limitranges", "networkpolicies"}
                    if guarded & set(rule["resources"]):
                        assert set(rule["verbs"]) <= {"get", "list", "watch"}
                if role["metadata"]["name"] == "department-user":
                    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
                    assert verbs == {"get", "list", "watch"}
                    resources = {r for rule in role["rules"] for r in rule["resources"]}
                    assert "secrets" not in resources

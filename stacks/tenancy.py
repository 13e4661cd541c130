"""``DepartmentTenancy``: a department's namespaces on the shared cloud, one per network zone.

Each namespace gets:

- labels naming the department, the zone and the MLPS (等级保护) level, and the Pod Security
  level that level demands (``restricted`` from MLPS 3 up, else ``baseline``);
- a ResourceQuota mirroring the department's quota rows in that zone (see ``stacks.quota``);
- a LimitRange, so pods without requests still count against the quota sanely;
- network policies: deny everything by default, then allow traffic inside the namespace,
  DNS, scraping by the shared monitoring, ingress from the zone's own ingress controller,
  and egress to the monitoring namespace.  Zones never talk to each other, and no rule admits
  another department: a department spanning two zones has two isolated namespaces;
- RBAC: the department's admin group edits workloads (never quotas, limits or policies);
  its user group reads them and their logs.

Nothing here is ever deleted by a quota change: every object of a zone is registered with
``retain_on_delete``, so when a zone's last quota row goes (its namespace leaves the program)
the next ``up`` forgets the objects and leaves them — the namespace, its workloads and volumes,
and the policies that still isolate them — in the cluster.  Removing a namespace is an explicit
operator action (``kubectl delete namespace`` once it is emptied); the stack's status lists
the namespaces it retains.

Specs are written as the Kubernetes API spells them (camelCase dicts) so that they read like
the manifests the cluster stores; tests validate every object against the API's schemas.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from stacks.config import (
    DEPARTMENT_LABEL,
    MANAGED_BY,
    MLPS_LABEL,
    MONITORING_NAMESPACE,
    ZONE_LABEL,
    TenancyConfig,
    ZoneTenancy,
    ingress_namespace,
)
from stacks.quota import BANDWIDTH_ANNOTATION, quota_hard

COMPONENT_TYPE = "govcloud:stacks:DepartmentTenancy"
NAME_LABEL = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace

# What the admin group may do with workloads; users get the read verbs on the same resources.
WORKLOAD_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "",
        (
            "pods",
            "services",
            "configmaps",
            "secrets",
            "persistentvolumeclaims",
            "serviceaccounts",
        ),
    ),
    # No DaemonSets: a department does not put a pod on every node of the shared cloud.
    ("apps", ("deployments", "statefulsets", "replicasets")),
    ("batch", ("jobs", "cronjobs")),
    ("networking.k8s.io", ("ingresses",)),
    ("autoscaling", ("horizontalpodautoscalers",)),
)
READ_VERBS = ["get", "list", "watch"]
WRITE_VERBS = [*READ_VERBS, "create", "update", "patch", "delete", "deletecollection"]
GUARDRAILS = ("resourcequotas", "limitranges")  # readable by the department, never writable


def api(value: Any) -> Any:
    """A value spelled as the Kubernetes API spells it (camelCase keys); Pulumi passes it
    through unchanged (its own TypedDicts use snake_case, hence the ``Any``)."""
    return value


def pod_security_level(mlps_level: int) -> str:
    """Pod Security Standard enforced in a namespace: level 3 and above are hardened."""
    return "restricted" if mlps_level >= 3 else "baseline"


def namespace_labels(config: TenancyConfig, zone: ZoneTenancy) -> dict[str, str]:
    level = pod_security_level(zone.mlps_level)
    return {
        DEPARTMENT_LABEL: config.department,
        ZONE_LABEL: zone.zone,
        MLPS_LABEL: str(zone.mlps_level),
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        **MANAGED_BY,
    }


def limit_range_spec(zone: ZoneTenancy) -> dict[str, Any]:
    """Defaults for containers that state no requests/limits, and per-object ceilings no
    larger than the namespace's own quota (so one pod cannot take the whole zone share)."""
    container: dict[str, Any] = {
        "type": "Container",
        "default": {"cpu": "500m", "memory": "512Mi"},
        "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
    }
    vcpu, memory = zone.limit("vcpu"), zone.limit("memory_gib")
    if vcpu >= 1 and memory >= 1:
        container["max"] = {"cpu": str(min(vcpu, 16)), "memory": f"{min(memory, 64)}Gi"}
    limits = [container]
    storage = zone.limit("storage_gib")
    if storage >= 1:
        claim = {"min": {"storage": "1Gi"}, "max": {"storage": f"{min(storage, 2048)}Gi"}}
        limits.append({"type": "PersistentVolumeClaim", **claim})
    return {"limits": limits}


def _namespace_peer(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAME_LABEL: name}}}


def network_policies(namespace: str, zone: str) -> dict[str, dict[str, Any]]:
    """The namespace's policies by name: default deny, then the few allowed paths."""
    everything: dict[str, Any] = {}
    dns_ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    return {
        "default-deny": {
            "podSelector": everything,
            "policyTypes": ["Ingress", "Egress"],
        },
        "allow-same-namespace": {
            "podSelector": everything,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": everything}]}],
            "egress": [{"to": [{"podSelector": everything}]}],
        },
        "allow-dns": {
            "podSelector": everything,
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            **_namespace_peer("kube-system"),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": dns_ports,
                }
            ],
        },
        "allow-platform": {
            "podSelector": everything,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [_namespace_peer(MONITORING_NAMESPACE)]},
                {"from": [_namespace_peer(ingress_namespace(zone))]},
            ],
            "egress": [{"to": [_namespace_peer(MONITORING_NAMESPACE)]}],
        },
    }


def _rules(verbs: list[str], *, secrets: bool) -> list[dict[str, Any]]:
    """Workload rules with ``verbs``; read-only users never read Secrets."""
    rules = [
        {
            "apiGroups": [group],
            "resources": [r for r in resources if secrets or r != "secrets"],
            "verbs": verbs,
        }
        for group, resources in WORKLOAD_RULES
    ]
    rules.append({"apiGroups": [""], "resources": ["pods/log", "events"], "verbs": READ_VERBS})
    rules.append({"apiGroups": [""], "resources": list(GUARDRAILS), "verbs": READ_VERBS})
    rules.append(
        {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": READ_VERBS}
    )
    return rules


class DepartmentTenancy(pulumi.ComponentResource):
    """All of one department's namespaces and what guards them; children are parented here."""

    namespaces: pulumi.Output[list[str]]

    def __init__(
        self, name: str, config: TenancyConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        names: list[pulumi.Output[str]] = []
        quotas: dict[str, dict[str, str]] = {}
        for zone in config.zones:
            names.append(self._zone(config, zone))
            quotas[config.namespace(zone.zone)] = quota_hard(zone)
        self.namespaces = pulumi.Output.all(*names).apply(list)
        self.register_outputs({"namespaces": self.namespaces, "quotas": quotas})

    def _zone(self, config: TenancyConfig, zone: ZoneTenancy) -> pulumi.Output[str]:
        name = config.namespace(zone.zone)
        labels = namespace_labels(config, zone)
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        annotations = {
            "govcloud.io/display-name": config.display_name,
            BANDWIDTH_ANNOTATION: str(zone.limit("bandwidth_mbps")),
        }
        namespace = k8s.core.v1.Namespace(
            name,
            metadata={"name": name, "labels": labels, "annotations": annotations},
            opts=child,
        )
        # Everything in the namespace waits for it and is deleted before it.
        inside = pulumi.ResourceOptions(parent=self, depends_on=[namespace], retain_on_delete=True)
        meta_labels = {DEPARTMENT_LABEL: config.department, ZONE_LABEL: zone.zone, **MANAGED_BY}

        def meta(object_name: str) -> Any:
            return api({"name": object_name, "namespace": name, "labels": meta_labels})

        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=meta("department-quota"),
            spec=api({"hard": quota_hard(zone)}),
            opts=inside,
        )
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=meta("defaults"),
            spec=api(limit_range_spec(zone)),
            opts=inside,
        )
        for policy, spec in network_policies(name, zone.zone).items():
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy}", metadata=meta(policy), spec=api(spec), opts=inside
            )
        for role, group, verbs, secrets in (
            ("department-admin", config.admin_group, WRITE_VERBS, True),
            ("department-user", config.user_group, READ_VERBS, False),
        ):
            rules = api(_rules(verbs, secrets=secrets))
            k8s.rbac.v1.Role(f"{name}-{role}", metadata=meta(role), rules=rules, opts=inside)
            k8s.rbac.v1.RoleBinding(
                f"{name}-{role}-binding",
                metadata=meta(role),
                role_ref=api(
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role}
                ),
                subjects=api(
                    [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}]
                ),
                opts=inside,
            )
        return namespace.metadata.apply(lambda meta: str(meta.name or name))

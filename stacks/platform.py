"""``PlatformServices``: what every department's tenancy leans on, deployed once per cluster.

- the monitoring namespace, where the govcloud host agent runs as a DaemonSet on every node
  (it reads the node's /proc and /sys read-only and pushes samples to the control panel);
- per shared network zone, a namespace for that zone's ingress controller and an IngressClass
  naming it, so a department's Ingress in the internet zone can only be served by the internet
  zone's controller.

Platform namespaces are labelled ``govcloud.io/platform=true``; tenancy network policies admit
traffic from exactly these namespaces and no others.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from stacks.config import (
    MANAGED_BY,
    MONITORING_NAMESPACE,
    PLATFORM_LABEL,
    ZONE_LABEL,
    PlatformConfig,
    dns_label,
    ingress_namespace,
)
from stacks.tenancy import api

COMPONENT_TYPE = "govcloud:stacks:PlatformServices"
AGENT_NAME = "govcloud-agent"
# The Secret holding each node's agent token under its node name (a name, not a secret).
AGENT_TOKENS_SECRET = "govcloud-agent-tokens"  # noqa: S105
AGENT_TOKENS_PATH = "/etc/govcloud-agent/tokens"


def ingress_class_name(zone: str) -> str:
    return dns_label("govcloud", zone)


def agent_pod_spec(config: PlatformConfig) -> dict[str, Any]:
    """The host agent: read-only host mounts, no privilege, every node (tolerates taints)."""
    host_mounts = [("proc", "/proc", "/host/proc"), ("sys", "/sys", "/host/sys")]
    return {
        "serviceAccountName": AGENT_NAME,
        "automountServiceAccountToken": False,
        "hostPID": True,
        "tolerations": [{"operator": "Exists"}],
        "priorityClassName": "system-node-critical",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": "agent",
                "image": config.agent_image,
                # govcloud's agent (monitoring/agent): each node's own token (enrolled with
                # `govcloud agent enrol <node>`) from the tokens Secret, keyed by node name.
                "args": [
                    "--push",
                    config.control_panel_url,
                    "--host-root",
                    "/host",
                    "--token-file",
                    f"{AGENT_TOKENS_PATH}/$(NODE_NAME)",
                    "--spool-dir",
                    "/var/spool/govcloud-agent",
                    "--listen",
                    "0.0.0.0:9101",
                ],
                "ports": [{"name": "metrics", "containerPort": 9101, "protocol": "TCP"}],
                "env": [
                    {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}
                ],
                "resources": {
                    "requests": {"cpu": "50m", "memory": "64Mi"},
                    "limits": {"cpu": "200m", "memory": "128Mi"},
                },
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "volumeMounts": [
                    *(
                        {"name": volume, "mountPath": inside, "readOnly": True}
                        for volume, _host, inside in host_mounts
                    ),
                    {"name": "tokens", "mountPath": AGENT_TOKENS_PATH, "readOnly": True},
                    {"name": "spool", "mountPath": "/var/spool/govcloud-agent"},
                ],
            }
        ],
        "volumes": [
            *(
                {"name": volume, "hostPath": {"path": host, "type": "Directory"}}
                for volume, host, _inside in host_mounts
            ),
            {"name": "tokens", "secret": {"secretName": AGENT_TOKENS_SECRET}},
            # The spool outlives container restarts (not pod deletion), bounded like the agent's.
            {"name": "spool", "emptyDir": {"sizeLimit": "128Mi"}},
        ],
    }


class PlatformServices(pulumi.ComponentResource):
    """Monitoring (the host agent) and an ingress class per zone."""

    def __init__(
        self, name: str, config: PlatformConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        platform = {PLATFORM_LABEL: "true", **MANAGED_BY}
        # The agent needs hostPath and hostPID: this namespace alone runs privileged pods.
        monitoring = k8s.core.v1.Namespace(
            MONITORING_NAMESPACE,
            metadata={
                "name": MONITORING_NAMESPACE,
                "labels": {**platform, "pod-security.kubernetes.io/enforce": "privileged"},
            },
            opts=child,
        )
        inside = pulumi.ResourceOptions(parent=self, depends_on=[monitoring])
        labels = {"app.kubernetes.io/name": AGENT_NAME, **MANAGED_BY}
        k8s.core.v1.ServiceAccount(
            AGENT_NAME,
            metadata={"name": AGENT_NAME, "namespace": MONITORING_NAMESPACE, "labels": labels},
            automount_service_account_token=False,
            opts=inside,
        )
        k8s.apps.v1.DaemonSet(
            AGENT_NAME,
            metadata={"name": AGENT_NAME, "namespace": MONITORING_NAMESPACE, "labels": labels},
            spec=api(
                {
                    "selector": {"matchLabels": {"app.kubernetes.io/name": AGENT_NAME}},
                    "updateStrategy": {"type": "RollingUpdate"},
                    "template": {"metadata": {"labels": labels}, "spec": agent_pod_spec(config)},
                }
            ),
            opts=inside,
        )
        classes: dict[str, str] = {}
        for zone in config.zones:
            namespace = ingress_namespace(zone)
            k8s.core.v1.Namespace(
                namespace,
                metadata={
                    "name": namespace,
                    "labels": {
                        **platform,
                        ZONE_LABEL: zone,
                        "pod-security.kubernetes.io/enforce": "baseline",
                    },
                },
                opts=child,
            )
            class_name = ingress_class_name(zone)
            k8s.networking.v1.IngressClass(
                class_name,
                metadata={"name": class_name, "labels": {ZONE_LABEL: zone, **MANAGED_BY}},
                spec={"controller": f"{config.ingress_controller}-{zone}"},
                opts=child,
            )
            classes[zone] = class_name
        self.register_outputs(
            {"monitoring_namespace": MONITORING_NAMESPACE, "ingress_classes": classes}
        )

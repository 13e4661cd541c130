"""From govcloud's quota rows to Kubernetes ResourceQuota ``hard`` limits (pure, no Pulumi).

- ``vcpu`` N → ``requests.cpu: N`` and ``limits.cpu: N``: a vCPU is one Kubernetes CPU; limits
  are capped too, so no namespace bursts past what it pays for.
- ``memory_gib`` N → ``requests.memory: NGi`` and ``limits.memory: NGi`` (GiB = Gi).
- ``storage_gib`` N → ``requests.storage: NGi``: the sum of every PersistentVolumeClaim.
- ``public_ip`` N → ``services.loadbalancers: N``: a LoadBalancer Service takes a public address.
- always ``services.nodeports: 0`` (policy): NodePorts would expose node addresses past the
  zone's load balancers and the public-IP count.
- ``bandwidth_mbps`` N → no quota key (Kubernetes cannot express bandwidth): the namespace
  annotation ``govcloud.io/egress-bandwidth-mbps``, by which the zone's edge shapes traffic.

A resource class without a quota row in a zone is a limit of 0 (the department may not use it
there), so every namespace's quota names every key above and nothing is ever unlimited.
"""

from __future__ import annotations

from stacks.config import ZoneTenancy

BANDWIDTH_ANNOTATION = "govcloud.io/egress-bandwidth-mbps"

# resource class -> (ResourceQuota keys, unit suffix)
QUOTA_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "vcpu": (("requests.cpu", "limits.cpu"), ""),
    "memory_gib": (("requests.memory", "limits.memory"), "Gi"),
    "storage_gib": (("requests.storage",), "Gi"),
    "public_ip": (("services.loadbalancers",), ""),
}
FIXED_HARD = {"services.nodeports": "0"}


def quota_hard(zone: ZoneTenancy) -> dict[str, str]:
    """The ResourceQuota ``spec.hard`` mirroring ``zone``'s quota rows, keys sorted."""
    hard = dict(FIXED_HARD)
    for resource, (keys, unit) in QUOTA_KEYS.items():
        for key in keys:
            hard[key] = f"{zone.limit(resource)}{unit}"
    return dict(sorted(hard.items()))


def source_of(key: str) -> str:
    """The resource class a ResourceQuota key comes from (``policy`` for fixed keys)."""
    for resource, (keys, _unit) in QUOTA_KEYS.items():
        if key in keys:
            return resource
    return "policy"

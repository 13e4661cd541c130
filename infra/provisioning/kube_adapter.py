"""The one module that talks to a Kubernetes API server (the ``kubernetes`` client).

It returns objects in the API's own JSON shape (``_preload_content=False``: the raw response
body), so the logic that reads them is tested on exactly what a cluster sends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.errors import GovcloudError

NO_CLUSTER = (
    "no cluster configured: set GOVCLOUD_PROVISIONING__KUBECONFIG to a kubeconfig file "
    "(and GOVCLOUD_PROVISIONING__KUBE_CONTEXT to pick a context) to compare with a live cluster"
)


class ClusterNotConfigured(GovcloudError):
    code = "cluster_not_configured"

    def __init__(self) -> None:
        super().__init__(NO_CLUSTER)


class ClusterUnreachable(GovcloudError):
    code = "cluster_unreachable"


def list_resource_quotas(
    *, kubeconfig: Path | None, context: str | None, label_selector: str, timeout_s: float = 15
) -> list[dict[str, Any]]:
    """Every ResourceQuota matching ``label_selector`` in any namespace, as API JSON."""
    if kubeconfig is None:
        raise ClusterNotConfigured()
    if not kubeconfig.is_file():
        raise ClusterUnreachable(f"kubeconfig: {kubeconfig} does not exist")
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    try:
        api_client = config.new_client_from_config(config_file=str(kubeconfig), context=context)
    except ConfigException as exc:
        raise ClusterUnreachable(f"kubeconfig: {exc}") from exc
    try:
        with api_client:
            response = client.CoreV1Api(api_client).list_resource_quota_for_all_namespaces(
                label_selector=label_selector, _preload_content=False, _request_timeout=timeout_s
            )
            body = json.loads(response.data)
    except ApiException as exc:
        raise ClusterUnreachable(f"the API server answered {exc.status}: {exc.reason}") from exc
    except (OSError, ValueError) as exc:  # urllib3's connection errors are OSErrors
        raise ClusterUnreachable(f"the API server could not be read: {exc}") from exc
    except Exception as exc:  # urllib3 MaxRetryError and friends
        raise ClusterUnreachable(f"the API server could not be reached: {exc}") from exc
    items = body.get("items") or []
    return [item for item in items if isinstance(item, dict)]

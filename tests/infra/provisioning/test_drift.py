"""Drift between database quotas and live ResourceQuotas, on real API JSON shapes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.provisioning import kube_adapter
from infra.provisioning.drift import compare_quotas
from infra.provisioning.enums import DriftKind
from infra.provisioning.flows import expected_quotas
from infra.provisioning.quantities import parse_quantity
from stacks.config import TenancyConfig, ZoneTenancy

CONFIG = TenancyConfig(
    department="police",
    display_name="市公安局",
    zones=(
        ZoneTenancy("internet", 3, {"vcpu": 64, "memory_gib": 256, "public_ip": 8}),
        ZoneTenancy("private", 2, {"vcpu": 8, "storage_gib": 1024}),
    ),
    admin_group="govcloud:police:admin",
    user_group="govcloud:police:user",
)


def api_quota(namespace: str, hard: dict[str, str], used: dict[str, str] | None = None) -> Any:
    """A ResourceQuota as ``GET /api/v1/resourcequotas`` returns it (the server normalises
    quantities: "64Gi" may come back as "64Gi", "1k" as "1k", "0.5" as "500m")."""
    return {
        "metadata": {
            "name": "department-quota",
            "namespace": namespace,
            "uid": "6f0c1a8e-8d1e-4c57-9d0b-3a4be1f0c2d1",
            "resourceVersion": "48213",
            "creationTimestamp": "2026-11-20T08:15:02Z",
            "labels": {
                "govcloud.io/department": "police",
                "app.kubernetes.io/managed-by": "govcloud",
            },
            "managedFields": [{"manager": "pulumi-kubernetes", "operation": "Apply"}],
        },
        "spec": {"hard": hard},
        "status": {"hard": hard, "used": used or dict.fromkeys(hard, "0")},
    }


def in_sync() -> list[Any]:
    return [api_quota(namespace, dict(hard)) for namespace, hard in expected_quotas(CONFIG).items()]


def test_quantities_parse_as_the_api_writes_them() -> None:
    assert parse_quantity("500m") == Decimal("0.5")
    assert parse_quantity("64Gi") == 64 * 2**30
    assert parse_quantity("68719476736") == parse_quantity("64Gi")
    assert parse_quantity("1k") == 1000
    assert parse_quantity("1.5") == Decimal("1.5")
    assert parse_quantity("2e3") == 2000
    assert parse_quantity("128974848") == parse_quantity("123Mi")
    assert parse_quantity(8) == 8
    for bad in ("", "12Xi", "Gi", "1.2.3", "--1"):
        with pytest.raises(ValueError, match="not a Kubernetes quantity"):
            parse_quantity(bad)


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(["Ki", "Mi", "Gi", "Ti"]))
def test_binary_suffixes_equal_their_byte_counts(n: int, suffix: str) -> None:
    power = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40}[suffix]
    assert parse_quantity(f"{n}{suffix}") == parse_quantity(str(n * 2**power))


def test_a_cluster_matching_the_database_is_in_sync() -> None:
    report = compare_quotas(department="police", expected=expected_quotas(CONFIG), live=in_sync())
    assert report.in_sync, [f.message for f in report.findings]
    assert report.namespaces == ("police-internet", "police-private")


def test_equal_values_in_other_spellings_are_no_drift() -> None:
    live = in_sync()
    live[0]["spec"]["hard"]["requests.memory"] = str(256 * 2**30)  # bytes instead of Gi
    live[0]["spec"]["hard"]["requests.cpu"] = "64000m"
    report = compare_quotas(department="police", expected=expected_quotas(CONFIG), live=live)
    assert report.in_sync


def test_every_kind_of_drift_is_reported() -> None:
    live = in_sync()
    internet = live[0]
    internet["spec"]["hard"]["limits.cpu"] = "96"  # someone raised it by hand
    del internet["spec"]["hard"]["services.loadbalancers"]
    internet["spec"]["hard"]["count/pods"] = "50"
    internet["status"]["used"]["requests.memory"] = "300Gi"  # more than the 256Gi allowed
    private = live[1]
    live.remove(private)  # the private namespace lost its quota
    live.append(api_quota("police-extranet", {"requests.cpu": "4"}))  # a zone no longer held
    report = compare_quotas(department="police", expected=expected_quotas(CONFIG), live=live)
    found = {(f.kind, f.namespace, f.key) for f in report.findings}
    assert found == {
        (DriftKind.DIFFERENT, "police-internet", "limits.cpu"),
        (DriftKind.MISSING_KEY, "police-internet", "services.loadbalancers"),
        (DriftKind.UNEXPECTED_KEY, "police-internet", "count/pods"),
        (DriftKind.OVER_LIMIT, "police-internet", "requests.memory"),
        (DriftKind.MISSING_QUOTA, "police-private", None),
        (DriftKind.ORPHAN, "police-extranet", None),
    }
    different = next(f for f in report.findings if f.kind is DriftKind.DIFFERENT)
    assert different.message == "police-internet limits.cpu: database 64, cluster 96"
    assert not report.in_sync


def test_other_quotas_in_the_namespace_are_not_ours() -> None:
    live = in_sync()
    extra = api_quota("police-internet", {"pods": "10"})
    extra["metadata"]["name"] = "team-limit"
    report = compare_quotas(
        department="police", expected=expected_quotas(CONFIG), live=[*live, extra]
    )
    assert report.in_sync


# -- the kubernetes client against an API server on 127.0.0.1 -------------------------------


class FakeApiServer(BaseHTTPRequestHandler):
    items: ClassVar[list[Any]] = []
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        body = json.dumps(
            {"kind": "ResourceQuotaList", "apiVersion": "v1", "metadata": {}, "items": self.items}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[Path]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApiServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "local",
                        "cluster": {"server": f"http://127.0.0.1:{server.server_port}"},
                    }
                ],
                "users": [{"name": "tester", "user": {"token": "test-token"}}],
                "contexts": [{"name": "local", "context": {"cluster": "local", "user": "tester"}}],
                "current-context": "local",
            }
        )
    )
    yield kubeconfig
    server.shutdown()
    server.server_close()


def test_the_client_reads_quotas_from_an_api_server(api_server: Path) -> None:
    FakeApiServer.items = in_sync()
    FakeApiServer.paths = []
    live = kube_adapter.list_resource_quotas(
        kubeconfig=api_server, context=None, label_selector="govcloud.io/department=police"
    )
    assert FakeApiServer.paths == [
        "/api/v1/resourcequotas?labelSelector=govcloud.io%2Fdepartment%3Dpolice"
    ]
    report = compare_quotas(department="police", expected=expected_quotas(CONFIG), live=live)
    assert report.in_sync


def test_no_cluster_configured_says_so() -> None:
    with pytest.raises(kube_adapter.ClusterNotConfigured, match="no cluster configured"):
        kube_adapter.list_resource_quotas(kubeconfig=None, context=None, label_selector="x")


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    with pytest.raises(kube_adapter.ClusterUnreachable, match="could not be"):
        kube_adapter.list_resource_quotas(
            kubeconfig=kubeconfig, context=None, label_selector="x", timeout_s=2
        )
    with pytest.raises(kube_adapter.ClusterUnreachable, match="does not exist"):
        kube_adapter.list_resource_quotas(
            kubeconfig=tmp_path / "missing", context=None, label_selector="x"
        )

"""Render a program to Kubernetes manifests without a cluster or the pulumi CLI.

The program runs under Pulumi's own unit-test mocks (``pulumi.runtime.set_mocks``): every
resource registration reaches :class:`CapturingMocks`, which keeps the inputs of Kubernetes
resources — exactly what the provider would send to the API server.  The result can be
reviewed, diffed, validated against the Kubernetes schemas, or applied by other means
(``kubectl apply -f DIR``: file names sort namespaces first).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pulumi
import yaml

# Apply order: namespaces and cluster-wide classes first, then guards, then workloads.
KIND_ORDER = (
    "Namespace",
    "IngressClass",
    "ServiceAccount",
    "ResourceQuota",
    "LimitRange",
    "Role",
    "RoleBinding",
    "NetworkPolicy",
    "DaemonSet",
)
T = TypeVar("T")
_LEADING_KEYS = ("apiVersion", "kind", "metadata")
# Pulumi's mocks are process-wide state and want an event loop of their thread: every render
# runs on this one long-lived thread (one at a time), whichever thread asked for it.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govcloud-render")
# Pulumi's Python runtime settings are process-wide: a render (mocks) must never run while an
# inline Automation API program does, nor two inline programs at once.  Both hold this lock.
PULUMI_RUNTIME = threading.Lock()
_loop: dict[str, asyncio.AbstractEventLoop] = {}


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object as the API would receive it."""

    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def namespace(self) -> str | None:
        namespace = self.body["metadata"].get("namespace")
        return str(namespace) if namespace else None

    @property
    def filename(self) -> str:
        rank = KIND_ORDER.index(self.kind) if self.kind in KIND_ORDER else len(KIND_ORDER)
        parts = [f"{rank:02d}", self.kind.lower(), *filter(None, [self.namespace]), self.name]
        return re.sub(r"[^a-z0-9.-]+", "-", "-".join(parts).lower()) + ".yaml"

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.body, sort_keys=False, allow_unicode=True)


class CapturingMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that record Kubernetes resource inputs and echo them back as state."""

    def __init__(self) -> None:
        self.resources: list[tuple[str, str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _ordered(inputs: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata first; every mapping's keys sorted (stable diffs)."""
    body = {key: _sorted(inputs[key]) for key in _LEADING_KEYS if key in inputs}
    body.update({k: _sorted(inputs[k]) for k in sorted(inputs) if k not in _LEADING_KEYS})
    return body


def run_under_mocks(program: Callable[[], Any], *, stack: str) -> CapturingMocks:
    """Run ``program`` under capturing mocks until every registration is done."""
    return on_runtime_thread(lambda: _run(program, stack))


def on_runtime_thread(func: Callable[[], T]) -> T:
    """Run ``func`` on the one thread that runs Pulumi programs under mocks in this process
    (its event loop, and the loops Pulumi makes in its helper threads, live as long as it)."""
    return _worker.submit(_with_loop, func).result()


def _with_loop(func: Callable[[], T]) -> T:
    if _loop.get("loop") is None:
        _loop["loop"] = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop["loop"])
    return func()


def _run(program: Callable[[], Any], stack: str) -> CapturingMocks:
    mocks = CapturingMocks()
    with PULUMI_RUNTIME:
        pulumi.runtime.set_mocks(mocks, project="govcloud", stack=stack, preview=False)

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def run() -> None:
            program()

        run()
    return mocks


def render(program: Callable[[], Any], *, stack: str) -> list[Manifest]:
    """The Kubernetes objects ``program`` declares, in apply order."""
    mocks = run_under_mocks(program, stack=stack)
    manifests = [
        Manifest(_ordered(inputs))
        for typ, _name, inputs in mocks.resources
        if typ.startswith("kubernetes:") and "kind" in inputs
    ]
    return sorted(manifests, key=lambda m: m.filename)


def write(manifests: list[Manifest], out: Path) -> list[Path]:
    """One YAML file per object under ``out``; files of earlier renders are replaced."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.yaml"):
        stale.unlink()
    paths = []
    for manifest in manifests:
        path = out / manifest.filename
        path.write_text(manifest.to_yaml(), encoding="utf-8")
        paths.append(path)
    return paths

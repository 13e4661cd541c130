"""Running the stack programs under Pulumi's unit-test mocks, and reading what they declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from stacks.render import on_runtime_thread

NAME_LABEL = "kubernetes.io/metadata.name"


class RecordingMocks(pulumi.runtime.Mocks):
    """Echo every resource's inputs back as its state and keep them for the assertions."""

    def __init__(self) -> None:
        self.resources: list[tuple[str, str, dict[str, Any]]] = []
        self.retained: dict[str, bool] = {}  # resource name -> registered retain_on_delete

    def retain_flags(self) -> dict[str, bool]:
        return self.retained

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return [inputs for _typ, _name, inputs in self.resources if inputs.get("kind") == kind]


class RecordingMonitor(MockMonitor):
    """The mock engine, also keeping the resource options the mocks never see."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def RegisterResource(self, request: Any) -> Any:
        self.recording.retained[request.name] = bool(request.retainOnDelete)
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


@pytest.fixture
def mocks() -> RecordingMocks:
    """Fresh mocks, installed on the thread that runs Pulumi programs (``run`` below)."""
    recorded = RecordingMocks()
    on_runtime_thread(
        lambda: pulumi.runtime.set_mocks(
            recorded,
            project="govcloud",
            stack="test",
            preview=False,
            monitor=RecordingMonitor(recorded),
        )
    )
    return recorded


def run(test_program: Callable[[], Any]) -> None:
    """Call a ``@pulumi.runtime.test`` function on Pulumi's thread (one long-lived event loop,
    shared with ``govcloud stack render``, so no loop is left for the garbage collector)."""
    on_runtime_thread(test_program)


def namespace_labels(namespace: dict[str, Any]) -> dict[str, str]:
    """A namespace's labels as the API server stores them (it adds its name label)."""
    labels = dict(namespace["metadata"].get("labels") or {})
    labels[NAME_LABEL] = namespace["metadata"]["name"]
    return labels


def selected(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Does a label selector (matchLabels, matchExpressions In/NotIn/Exists) select labels?"""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True

"""The OpenAPI document says what the routes really answer (for every route, new ones too).

Before: no route declared 401/403/404/409/422/429 with the error body, integers had no bounds
and the job stream declared JSON instead of ``text/event-stream``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from infra.text import MAX_INTEGER


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from portal_api.app import create_app

    found: dict[str, Any] = (
        TestClient(create_app(with_pages=False)).get("/api/v1/openapi.json").json()
    )
    return found


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_operation_declares_its_refusals(document: dict[str, Any]) -> None:
    for name, operation in _operations(document):
        for status in ("401", "403", "404", "409", "413", "422", "429"):
            declared = operation["responses"].get(status)
            assert declared, f"{name} does not declare {status}"
            schema = declared["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, name


def test_every_integer_is_bounded(document: dict[str, Any]) -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                assert node["minimum"] >= -MAX_INTEGER, node
                assert node["maximum"] <= MAX_INTEGER, node
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(document)


def test_the_job_stream_is_declared_as_server_sent_events(document: dict[str, Any]) -> None:
    stream = document["paths"]["/api/v1/jobs/{job_id}/stream"]["get"]
    assert list(stream["responses"]["200"]["content"]) == ["text/event-stream"]

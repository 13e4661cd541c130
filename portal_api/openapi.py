"""The OpenAPI document, made to say what the routes really do.

FastAPI leaves out what the app enforces outside the routes' own signatures; this fills it in
for every route, new domains included: the 64-bit bounds of every integer (the one integer
parser, ``deps.integers_in_range``), and the error answers (``errors.ERROR_RESPONSES``,
declared on the API router).  Stream routes declare ``text/event-stream`` with
``deps.EVENT_STREAM``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from infra.text import MAX_INTEGER


def _bound_integers(node: Any) -> None:
    """Give every integer schema without bounds the ones the database stores."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "integer":
                item.setdefault("minimum", -MAX_INTEGER)
                item.setdefault("maximum", MAX_INTEGER)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _nodes(root: Any) -> Any:
    """Every dict inside ``root`` (depth-first, without recursion)."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _hoist_local_defs(document: dict[str, Any]) -> None:
    """Move ``$defs`` nested in hand-written schemas (``model_json_schema()`` in a route's
    ``openapi_extra``) into ``components/schemas``: their ``#/$defs/X`` references resolve
    against the document's root, where nothing is, so ReDoc and other readers fail on them."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for node in list(_nodes(document.get("paths", {}))):
        for name, definition in node.pop("$defs", {}).items():
            if components.setdefault(name, definition) != definition:
                raise ValueError(f"OpenAPI: two different schemas are named {name}")
    for node in _nodes(document):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")


def truthful_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        _bound_integers(schema)
        _hoist_local_defs(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

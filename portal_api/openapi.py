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


def truthful_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        _bound_integers(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

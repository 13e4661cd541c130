"""The one place where errors become HTTP answers.

Every refusal has the same body: ``{"error": code, "code": code, "params": {...}, "message":
text, "fields": [{"field", "message"}]}`` — the field names match the request's JSON keys or
query parameters; ``code`` and ``params`` are the error's stable name and its facts (see
infra/errors.py), for clients that say it in their own words or language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.sql.schema import ColumnCollectionConstraint
from starlette.exceptions import HTTPException as StarletteHTTPException

from infra.errors import (
    Conflict,
    GovcloudError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from monitoring.metrics.exceptions import BatchTooLarge
from portal_api.schema.all_models import Base

log = logging.getLogger(__name__)

STATUS: dict[type[GovcloudError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    NotAuthenticated: 401,
    PermissionDenied: 403,
    BatchTooLarge: 413,  # a host agent's push over the configured size
    TooManyAttempts: 429,
}

# An error answer stays small whatever the input: this many fields and rows, each text cut.
MAX_LISTED = 1000
MAX_TEXT = 500
MAX_MESSAGE = 2000


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every refusal's body (``rows`` only for an uploaded file's row problems)."""

    error: str
    code: str
    params: dict[str, Any]
    message: str
    fields: list[FieldError]
    rows: list[dict[str, Any]] | None = None
    truncated: bool | None = None


_DESCRIPTIONS = {
    400: "The request could not be read",
    401: "Not signed in: no token, or it is unknown, expired or revoked",
    403: "Signed in, but the role or the department may not do this",
    404: "No such object (or not visible to the caller)",
    405: "The path does not take this method (see Allow)",
    409: "Clashes with existing data or a concurrent change",
    413: "The body is larger than its limit",
    422: "A field breaks a rule; each is named",
    429: "Too many sign-in attempts; see Retry-After",
}
# Declared on every API route, so the OpenAPI document says what routes really answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_for(exc: GovcloudError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(
    code: str,
    message: str,
    fields: Sequence[tuple[str, str]] = (),
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The refusal body, bounded: at most MAX_LISTED fields, each text cut to MAX_TEXT."""
    body: dict[str, Any] = {
        "error": code,
        "code": code,
        "params": jsonable_encoder(dict(params or {})),
        "message": _cut(message, MAX_MESSAGE),
        "fields": [
            {"field": _cut(name, 200), "message": _cut(text)} for name, text in fields[:MAX_LISTED]
        ],
    }
    if len(fields) > MAX_LISTED:
        body["truncated"] = True
    return body


def _fields_of(exc: GovcloudError) -> list[tuple[str, str]]:
    if isinstance(exc, InvalidInput):
        return [(p.field, p.message) for p in exc.problems]
    if isinstance(exc, Conflict):
        return [(exc.field, exc.detail)]
    field, sep, rest = exc.message.partition(": ")
    return [(field, rest)] if sep and " " not in field else []


def _field_name(error: dict[str, Any]) -> str:
    """``limit`` for ("body", "limit"), ("query", "limit") or ("path", "limit")."""
    if error.get("type") == "json_invalid":
        return "body"  # its location is a character offset, not a field
    parts = [str(p) for p in error["loc"]]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    if not parts:  # a whole-model check: it names its field as "field: message"
        head, sep, _rest = str(error.get("msg", "")).removeprefix("Value error, ").partition(": ")
        if sep and head and " " not in head:
            return head
    return ".".join(parts) or "body"


def _validation_message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "")
        where = error["loc"][-1] if len(error["loc"]) > 1 else None
        at = f" at character {where}" if isinstance(where, int) else ""
        return f"malformed JSON{at}: {detail}".rstrip(": ")
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


def _respond(
    request: Request, body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    """JSON for the API; the web pages' own error page for everything else."""
    render = getattr(request.app.state, "html_error_page", None)
    if render is not None and not request.url.path.startswith("/api/"):
        response: Response = render(request, status, body)
        return response
    return JSONResponse(body, status, headers=headers)


async def _govcloud_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GovcloudError)
    request.state.govcloud_error = exc  # the web pages say it in the reader's language
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    body = error_body(exc.code, exc.message, _fields_of(exc), exc.params)
    rows = getattr(exc, "rows", None)  # row-level problems of an uploaded file
    if rows:
        body["rows"] = [
            {key: _cut(value) if isinstance(value, str) else value for key, value in row.items()}
            for row in (r.as_dict() for r in rows[:MAX_LISTED])
        ]
        if len(rows) > MAX_LISTED:
            body["truncated"] = True
    return _respond(request, body, status, headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = [(_field_name(e), _validation_message(e)) for e in exc.errors()]
    message = "; ".join(f"{name}: {text}" for name, text in fields)
    return _respond(request, error_body("invalid_input", message, fields), 422)


async def _integrity_error(request: Request, exc: Exception) -> Response:
    # The services check uniqueness first; this is the backstop for two requests racing.
    assert isinstance(exc, IntegrityError)
    log.warning("integrity error: %s", exc)
    if _is_missing_reference(exc):
        fields = [(name, "refers to a row that does not exist") for name in clashing_columns(exc)]
        fields = fields or [("body", "refers to a row that does not exist")]
        message = "; ".join(f"{name}: {text}" for name, text in fields)
        return _respond(request, error_body("invalid_input", message, fields), 422)
    reason = "clashes with data written at the same time; retry"
    fields = [(name, reason) for name in clashing_columns(exc)]
    message = "; ".join(f"{name}: {text}" for name, text in fields) or f"the change {reason}"
    return _respond(request, error_body("conflict", message, fields), 409)


def _is_missing_reference(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23503" or "FOREIGN KEY constraint failed" in str(exc.orig)


INT32 = 2**31 - 1


async def _data_error(request: Request, exc: Exception) -> Response:
    """A value the database cannot hold (PostgreSQL's INTEGER ids are 32-bit: an id of
    2**40 is no id at all): 422 naming the parameters that carried it."""
    assert isinstance(exc, DataError)
    log.info("data error: %s", exc.orig)
    params = exc.params if isinstance(exc.params, dict) else {}
    names = sorted(
        {
            re.sub(r"_\d+$", "", key)
            for key, value in params.items()
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT32
        }
    )
    reason = "is beyond what the database stores for it"
    fields = [(name, reason) for name in names] or [
        ("body", "holds a value the database cannot store")
    ]
    message = "; ".join(f"{name}: {text}" for name, text in fields)
    return _respond(request, error_body("invalid_input", message, fields), 422)


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w., ]+)")


def clashing_columns(exc: IntegrityError) -> list[str]:
    """The columns of the unique constraint a write ran into (PostgreSQL names the
    constraint; SQLite names the columns)."""
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if constraint:
        for table in Base.metadata.tables.values():
            for candidate in table.constraints:
                if candidate.name == constraint and isinstance(
                    candidate, ColumnCollectionConstraint
                ):
                    return [column.name for column in candidate.columns]
    found = _SQLITE_UNIQUE.search(str(exc.orig))
    return [part.strip().rsplit(".", 1)[-1] for part in found.group(1).split(",")] if found else []


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return _respond(request, error_body(code, str(exc.detail)), exc.status_code, headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette names only the first route's,
    though GET and POST on one path are two routes).  GET /requests/sweep matches GET
    /requests/{request_id} only in form: the one integer parser refuses "sweep", so GET is
    not a method of that path."""
    from portal_api.deps import integer_path_params_parse

    path = request.scope.get("path", "")
    methods: set[str] = set()
    for context, route in _leaf_routes(request.app):
        pattern = getattr(context, "path_regex", None)
        found = pattern.match(path) if pattern is not None else None
        if found and integer_path_params_parse(route, found.groupdict()):
            methods |= set(getattr(context, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _leaf_routes(app: FastAPI) -> list[tuple[Any, Any]]:
    """(matching context, original route) of every route, included routers unfolded."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before routers were included lazily
        return [(route, route) for route in app.routes]
    return [(c, c.original_route) for c in iter_route_contexts(app.routes)]


def install(app: FastAPI) -> None:
    app.add_exception_handler(GovcloudError, _govcloud_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

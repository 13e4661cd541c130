"""App-wide guards every request passes, whatever route it is for (new domains included).

* Size: a body is read up to its limit and no further (413 naming the limit).
* Text: the path, every query parameter, every JSON string (keys too) and every urlencoded
  form value follow ``infra.text``: no NUL, no control characters, no bidirectional overrides,
  valid UTF-8 (422 naming the field).  Fields' own rules (one line, their length) are checked
  again, more strictly, by ``InputModel``.
* Structure: JSON nested deeper than ``MAX_JSON_DEPTH`` is refused before it is parsed.
* Headers: every answer carries the security headers (pages, JSON, the API docs alike).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.schemas import JSON_INPUT
from infra.text import (
    DEFAULT_MAX_TEXT,
    MAX_JSON_DEPTH,
    StructureProblem,
    check_structure,
    json_depth,
    text_problem,
)

MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_BODY_VALUES = 200_000

_PAGES_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The API docs (portal_api/docs.py): Swagger UI and ReDoc from this origin only, no inline
# script; both set inline styles, ReDoc runs its search in a blob: worker and draws data: images.
_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
}


class Refused(Exception):
    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.status, self.field, self.message = status, field, message


def _answer(refused: Refused) -> tuple[dict[str, Any], list[tuple[bytes, bytes]]]:
    code = "too_large" if refused.status == 413 else "invalid_input"
    body = {
        "error": code,
        "code": code,
        "params": {},
        "message": f"{refused.field}: {refused.message}",
        "fields": [{"field": refused.field, "message": refused.message}],
    }
    return body, [(b"content-type", b"application/json")]


def check_query(raw: bytes) -> None:
    """Every query parameter: valid UTF-8, one line, bounded, within the text policy."""
    try:
        pairs = urllib.parse.parse_qsl(
            raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise Refused(422, "query", "not valid UTF-8") from None
    _check_pairs(pairs, multiline=False)


def _check_pairs(pairs: list[tuple[str, str]], *, multiline: bool) -> None:
    for key, value in pairs:
        name = key if not text_problem(key) else "query"
        if len(key) > 200 or len(value) > DEFAULT_MAX_TEXT:
            raise Refused(422, name[:200], f"at most {DEFAULT_MAX_TEXT:,} characters")
        problem = text_problem(key) or text_problem(value, multiline=multiline)
        if problem:
            raise Refused(422, name, problem)


def check_json(body: bytes) -> None:
    """A JSON body: UTF-8, nested at most MAX_JSON_DEPTH deep, every string within the policy.
    Malformed JSON is left to the route's own parser, which names the character."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(422, "body", f"not valid UTF-8 (byte {exc.start})") from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise Refused(422, "body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise Refused(422, "body", f"unreadable number: {str(exc)[:200]}") from None
    try:
        check_structure(data, max_values=MAX_BODY_VALUES)
    except StructureProblem as exc:
        raise Refused(422, exc.path or "body", exc.message) from None


def check_form(body: bytes) -> None:
    try:
        pairs = urllib.parse.parse_qsl(
            body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise Refused(422, "body", "not valid UTF-8") from None
    _check_pairs(pairs, multiline=True)


class Guard:
    """The ASGI middleware applying the checks above and adding the security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        docs_prefix: str = "/api/v1/docs",
        own_body_checks: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.docs_prefix = docs_prefix
        # Paths whose route bounds and checks its own body before parsing it (the host
        # agents' push ingest: its size limit is a setting, and every sample is validated as
        # a number, name or label): the guard still checks their path and query.
        self.own_body_checks = own_body_checks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        try:
            receive, is_json = await self._checked(scope, receive)
        except Refused as refused:
            body, headers = _answer(refused)
            payload = json.dumps(body, ensure_ascii=False).encode()
            await send(
                {"type": "http.response.start", "status": refused.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": payload})
            return
        token = JSON_INPUT.set(is_json)  # in JSON a number is a number (forms send text)
        try:
            await self.app(scope, receive, send)
        finally:
            JSON_INPUT.reset(token)

    async def _checked(self, scope: Scope, receive: Receive) -> tuple[Receive, bool]:
        path_problem = text_problem(scope.get("path", ""))
        if path_problem:
            raise Refused(422, "path", path_problem)
        check_query(scope.get("query_string", b""))
        if scope.get("path", "") in self.own_body_checks:
            return receive, True
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        limit = MAX_UPLOAD_BYTES if kind == b"multipart/form-data" else MAX_BODY_BYTES
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            raise Refused(413, "body", f"larger than the limit of {limit:,} bytes")
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and not declared:
            return receive, False
        body = await _read(receive, limit)
        is_json = kind == b"application/json" or kind.endswith(b"+json")
        if is_json:
            check_json(body)
        elif kind == b"application/x-www-form-urlencoded":
            check_form(body)
        return _replay(body, receive), is_json

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        docs = scope.get("path", "").startswith(self.docs_prefix)
        csp = (_DOCS_CSP if docs else _PAGES_CSP).encode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", csp))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return sending


async def _read(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body", f"larger than the limit of {limit:,} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

"""The pages' cookies: the signed session, the pre-session CSRF token, flash messages, ``lang``.

The session cookie is ``{sid, uid, epoch, csrf}`` signed with the app's secret and timestamped;
``sid`` names a server-side row (``web_sessions``).  It is void when it is older than
``web.session_max_age_s``, when its session row was ended (logout), when its ``epoch`` differs
from the user's ``session_epoch`` (bumped on password change and deactivation), or when the user
is inactive — all but the first are checked where the user is loaded (``auth.py``).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from infra.settings import Settings

SESSION_COOKIE = "govcloud_session"
CSRF_COOKIE = "govcloud_csrf"
FLASH_COOKIE = "govcloud_flash"
LANG_COOKIE = "lang"
FLASH_MAX_AGE_S = 120
LANG_MAX_AGE_S = 365 * 24 * 3600

FlashKind = Literal["success", "info"]


@dataclass(frozen=True)
class SessionData:
    sid: str
    uid: int
    epoch: int
    csrf: str


@dataclass(frozen=True)
class Flash:
    kind: FlashKind
    text: str


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        settings.secret_key.get_secret_value(), salt=f"govcloud.web.{purpose}"
    )


def _set(response: Response, settings: Settings, key: str, value: str, max_age: int) -> None:
    response.set_cookie(
        key,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.web.secure_cookies,
    )


def _load(request: Request, settings: Settings, key: str, purpose: str, max_age: int) -> Any:
    raw = request.cookies.get(key)
    if not raw:
        return None
    try:
        return _serializer(settings, purpose).loads(raw, max_age=max_age)
    except BadSignature:  # also covers SignatureExpired
        return None


def same_token(expected: str, submitted: object) -> bool:
    return (
        isinstance(submitted, str)
        and bool(submitted)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    )


# -- the session ---------------------------------------------------------------------------


def start_session(response: Response, settings: Settings, *, sid: str, uid: int, epoch: int) -> str:
    """Sign the user in on ``response`` with the server-side session ``sid``; returns the
    session's new CSRF token."""
    csrf = secrets.token_urlsafe(32)
    value = _serializer(settings, "session").dumps(
        {"sid": sid, "uid": uid, "epoch": epoch, "csrf": csrf}
    )
    _set(response, settings, SESSION_COOKIE, value, settings.web.session_max_age_s)
    return csrf


def read_session(request: Request, settings: Settings) -> SessionData | None:
    payload = _load(request, settings, SESSION_COOKIE, "session", settings.web.session_max_age_s)
    if not isinstance(payload, dict):
        return None
    uid, epoch, csrf = payload.get("uid"), payload.get("epoch"), payload.get("csrf")
    sid = payload.get("sid")
    if not (
        isinstance(uid, int)
        and isinstance(epoch, int)
        and isinstance(csrf, str)
        and isinstance(sid, str)
    ):
        return None
    return SessionData(sid=sid, uid=uid, epoch=epoch, csrf=csrf)


def end_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.web.secure_cookies,
    )


# -- CSRF before sign-in (double submit of a signed cookie) ---------------------------------


def presession_token(request: Request, settings: Settings) -> tuple[str, str | None]:
    """The visitor's pre-session CSRF token, and the cookie value to set when it is new."""
    token = _load(request, settings, CSRF_COOKIE, "csrf", settings.web.session_max_age_s)
    if isinstance(token, str) and token:
        return token, None
    token = secrets.token_urlsafe(32)
    return token, _serializer(settings, "csrf").dumps(token)


def set_presession_cookie(response: Response, settings: Settings, value: str) -> None:
    _set(response, settings, CSRF_COOKIE, value, settings.web.session_max_age_s)


def presession_ok(request: Request, settings: Settings, submitted: object) -> bool:
    token = _load(request, settings, CSRF_COOKIE, "csrf", settings.web.session_max_age_s)
    return isinstance(token, str) and same_token(token, submitted)


# -- flash messages and the language cookie ------------------------------------------------


def set_flash(
    response: Response, settings: Settings, text: str, kind: FlashKind = "success"
) -> None:
    value = _serializer(settings, "flash").dumps({"kind": kind, "text": text})
    _set(response, settings, FLASH_COOKIE, value, FLASH_MAX_AGE_S)


def read_flash(request: Request, settings: Settings) -> Flash | None:
    payload = _load(request, settings, FLASH_COOKIE, "flash", FLASH_MAX_AGE_S)
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        return None
    kind: FlashKind = "info" if payload.get("kind") == "info" else "success"
    return Flash(kind=kind, text=payload["text"])


def clear_flash(response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE, path="/")


def set_lang(response: Response, settings: Settings, locale: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        locale,
        max_age=LANG_MAX_AGE_S,
        path="/",
        samesite="lax",
        secure=settings.web.secure_cookies,
    )

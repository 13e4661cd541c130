"""Rendering pages: one Jinja2 environment per language, the layout's context, the error page.

Each language gets its own environment with its translations installed (newstyle gettext:
autoescaped, ``%(name)s`` placeholders filled by keyword).  Two small environments are cheaper
and simpler than swapping translations per request on a shared one, which threads would race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from infra.errors import GovcloudError
from infra.inventory.enums import SlaTerm
from infra.labels import N_, label_msgid, raw_msgid
from infra.tenancy.models import Department
from infra.tenancy.requests.enums import RequestEvent
from portal_api.domains import NAVIGATION
from portal_api.web import cookies, i18n
from portal_api.web.auth import Viewer, viewer_for_error_page
from portal_api.web.messages import error_page_text

HERE: Final = Path(__file__).resolve().parent
TEMPLATE_DIR: Final = HERE / "templates"
STATIC_DIR: Final = HERE / "static"

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


ERROR_TITLES: Final = {
    400: N_("The request could not be understood"),
    403: N_("You may not do this"),
    404: N_("Page not found"),
    405: N_("This action is not available here"),
    409: N_("This clashes with existing data"),
    422: N_("Some values are not valid"),
}
ERROR_FALLBACK: Final = N_("Something went wrong")


@cache
def _static_versions() -> dict[str, str]:
    """Content hashes for cache-busting ``?v=`` query strings, computed once per process."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in STATIC_DIR.iterdir()
        if path.is_file()
    }


def static_url(name: str) -> str:
    return f"/static/{name}?v={_static_versions().get(name, '0')}"


@cache
def environment(locale: str, timezone: str = "Asia/Shanghai") -> jinja2.Environment:
    """The Jinja2 environment for one language, showing times in ``timezone`` (an IANA name,
    ``Settings.display_timezone``)."""
    zone = ZoneInfo(timezone)
    translations = i18n.translations(locale)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    def label(value: StrEnum) -> str:
        return translations.gettext(label_msgid(value))

    def enum_options(members: list[StrEnum]) -> list[tuple[str, str]]:
        return [(member.value, label(member)) for member in members]

    def department_options(departments: list[Department]) -> list[tuple[str, str]]:
        return [
            (str(d.id), f"{i18n.local_name(d, locale)} ({d.code}, {label(d.kind)})")
            for d in departments
        ]

    def sla_term_rows(terms: dict[str, Any]) -> list[tuple[str, str]]:
        """A contract's ``sla_terms`` as (translated term, value) rows; per-severity terms
        are prefixed with their severity (``P1 · Response within (minutes)``)."""
        rows: list[tuple[str, str]] = []
        for key, value in terms.items():
            name = translations.gettext(raw_msgid(SlaTerm, key))
            if key == SlaTerm.SEVERITIES and isinstance(value, dict):
                for severity, figures in value.items():
                    for sub_key, sub_value in (figures or {}).items():
                        sub_name = translations.gettext(raw_msgid(SlaTerm, sub_key))
                        rows.append((f"{severity} · {sub_name}", str(sub_value)))
            else:
                rows.append((name, str(value)))
        return rows

    env.filters["label"] = label
    env.filters["request_event"] = lambda action: translations.gettext(
        raw_msgid(RequestEvent, action)
    )
    env.globals["sla_term_rows"] = sla_term_rows
    env.globals["enum_options"] = enum_options
    env.globals["department_options"] = department_options
    env.filters["number"] = lambda value: i18n.format_number(value, locale)
    env.filters["datetime"] = lambda value, length="medium": i18n.format_time(
        value, locale, zone, length
    )
    env.filters["local_date"] = lambda value: i18n.format_local_date(value, locale, zone)
    env.filters["money"] = lambda amount, places=2: i18n.format_money(amount, locale, places)
    # Departments and providers alike (anything with ``name`` and ``name_en``).
    env.filters["dept_name"] = lambda thing: i18n.local_name(thing, locale)
    env.filters["local_name"] = env.filters["dept_name"]
    env.globals.update(
        static_url=static_url,
        locale=locale,
        html_lang=i18n.HTML_LANG[locale],
        locales=[(code, i18n.ENDONYMS[code], i18n.HTML_LANG[code]) for code in i18n.LOCALES],
    )
    return env


def locale_for(request: Request, viewer: Viewer | None) -> str:
    if viewer is not None and viewer.locale in i18n.LOCALES:
        return viewer.locale
    return i18n.negotiate(
        cookie=request.cookies.get(cookies.LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
        default=cookies.settings_of(request).web.default_locale,
    )


def gettext_for(request: Request) -> Callable[[str], str]:
    """``_`` for Python code building user-visible text in the request's language."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return i18n.translations(locale_for(request, viewer)).gettext


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    viewer: Viewer | None = None,
) -> HTMLResponse:
    """Render ``template`` inside the layout, for the signed-in viewer if there is one."""
    settings = cookies.settings_of(request)
    viewer = viewer or getattr(request.state, "viewer", None)
    locale = locale_for(request, viewer)
    new_csrf_cookie: str | None = None
    if viewer is not None:
        csrf = viewer.csrf
    else:
        csrf, new_csrf_cookie = cookies.presession_token(request, settings)
    flash = cookies.read_flash(request, settings)
    nav = [item for item in NAVIGATION if viewer is not None and viewer.can(item.permission)]
    page = {
        "request": request,
        "viewer": viewer,
        "csrf": csrf,
        "flash": flash,
        "nav": nav,
        "current_path": request.url.path,
        "here": _here(request),
        **(context or {}),
    }
    html = environment(locale, settings.display_timezone).get_template(template).render(page)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    if new_csrf_cookie is not None:
        cookies.set_presession_cookie(response, settings, new_csrf_cookie)
    if flash is not None:
        cookies.clear_flash(response)
    return response


def _here(request: Request) -> str:
    """This page's path and query, to come back to after a language switch or sign-in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(target: object, default: str = "/") -> str:
    """Only same-site paths are followed after sign-in (no ``//host`` or ``/\\host`` tricks)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 0x20 for ch in target):
        return default
    return target


def redirect(
    request: Request, target: str, flash: str | None = None, *, kind: cookies.FlashKind = "success"
) -> RedirectResponse:
    """303 See Other to ``target``, carrying a flash message for the next page."""
    response = RedirectResponse(target, status_code=303)
    if flash:
        cookies.set_flash(response, cookies.settings_of(request), flash, kind)
    return response


def html_error_page(request: Request, status: int, body: dict[str, Any]) -> Response:
    """``app.state.html_error_page``: a sign-in redirect for 401, else a page in the layout."""
    if status == 401:
        target = "/login"
        if request.method in ("GET", "HEAD"):
            target += "?next=" + quote(_here(request), safe="/")
        response = RedirectResponse(target, status_code=303)
        if cookies.SESSION_COOKIE in request.cookies:
            cookies.end_session(response, cookies.settings_of(request))
        return response
    viewer = viewer_for_error_page(request)
    detail, fields = str(body.get("message", "")), body.get("fields", [])
    error = getattr(request.state, "govcloud_error", None)
    if isinstance(error, GovcloudError):
        detail, fields = error_page_text(error, gettext_for(request))
    context = {
        "status": status,
        "title": ERROR_TITLES.get(status, ERROR_FALLBACK),
        "detail": detail,
        "fields": fields,
    }
    return render(request, "error.html", context, status=status, viewer=viewer)

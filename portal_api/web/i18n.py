"""The pages' languages: catalogs read straight from ``.po`` files, and choosing a language.

The ``.po`` files under ``portal_api/locale`` are compiled in memory on first use (read_po →
write_mo → GNUTranslations), so there is no compile step and no ``.mo`` file to go stale.
"""

from __future__ import annotations

import datetime as dt
import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES: Final = ("zh_CN", "en")
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
HTML_LANG: Final = {"zh_CN": "zh-CN", "en": "en"}
# Each language is offered under its own name (an endonym), so it is never translated.
ENDONYMS: Final = {"zh_CN": "中文", "en": "English"}


def catalog_path(locale: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / locale / "LC_MESSAGES" / "messages.po"


def load_translations(locale: str, directory: Path = LOCALE_DIR) -> gettext.GNUTranslations:
    """Compile one ``.po`` catalog in memory (fuzzy entries are left out, as msgfmt does)."""
    with catalog_path(locale, directory).open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    """The process-wide translations for a supported locale."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    return load_translations(locale)


def supported(locale: str | None) -> str | None:
    return locale if locale in LOCALES else None


def _accept_language(header: str) -> list[str]:
    """Language tags from an Accept-Language header, best first (q=0 left out)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(*, cookie: str | None, accept_language: str | None, default: str) -> str:
    """Before sign-in: the ``lang`` cookie, else the browser's first language we speak."""
    chosen = supported(cookie)
    if chosen:
        return chosen
    for tag in _accept_language(accept_language or ""):
        primary = tag.replace("_", "-").split("-")[0]
        if primary == "zh":
            return "zh_CN"
        if primary == "en":
            return "en"
    return default


def format_number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def format_time(value: dt.datetime | None, locale: str) -> str:
    """A UTC timestamp in the locale's medium format, labelled as UTC."""
    if value is None:
        return "—"
    return f"{format_datetime(value, 'medium', tzinfo=dt.UTC, locale=locale)} UTC"

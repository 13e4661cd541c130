"""The pages' languages: catalogs read straight from ``.po`` files, and choosing a language.

The ``.po`` files under ``portal_api/locale`` are compiled in memory on first use (read_po →
write_mo → GNUTranslations), so there is no compile step and no ``.mo`` file to go stale.
"""

from __future__ import annotations

import datetime as dt
import gettext
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

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


class Named(Protocol):
    """A department or a provider: a Chinese name, and perhaps an English one."""

    @property
    def name(self) -> str: ...

    @property
    def name_en(self) -> str | None: ...


def local_name(thing: Named | None, locale: str) -> str:
    """The English name on English pages where there is one, else the (Chinese) name."""
    if thing is None:
        return ""
    if locale == "en" and thing.name_en:
        return thing.name_en
    return thing.name


def utc_offset_label(value: dt.datetime, zone: ZoneInfo) -> str:
    """``UTC+08:00``: an offset cannot be misread the way ``CST`` can (China or US Central)."""
    offset = _aware(value).astimezone(zone).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _aware(value: dt.datetime) -> dt.datetime:
    # Stored times are UTC-aware by construction (infra/database.py); a naive one is UTC too.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def format_time(
    value: dt.datetime | None, locale: str, zone: ZoneInfo, length: str = "medium"
) -> str:
    """A stored (UTC) time shown in the display zone, labelled with that zone's offset."""
    if value is None:
        return "—"
    local = format_datetime(_aware(value), length, tzinfo=zone, locale=locale)
    return f"{local} {utc_offset_label(value, zone)}"


def format_local_date(value: dt.datetime | None, locale: str, zone: ZoneInfo) -> str:
    """The calendar day a stored (UTC) time falls on in the display zone."""
    if value is None:
        return "—"
    return format_date(_aware(value).astimezone(zone).date(), "medium", locale=locale)


def format_money(amount: Decimal | int | None, locale: str, places: int = 2) -> str:
    """Yuan with the locale's separators, to the fen (``¥1,234.50``; English: ``CN¥1,234.50``);
    ``places`` > 2 keeps up to that many decimals (unit prices below a fen).

    Only exact amounts: a float would already have lost the fen, so it is refused."""
    if amount is None:
        return "—"
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    if places <= 2:
        return format_currency(Decimal(amount), "CNY", locale=locale)
    pattern = "¤#,##0.00" + "#" * (places - 2)
    return format_currency(Decimal(amount), "CNY", pattern, locale=locale, currency_digits=False)

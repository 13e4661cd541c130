"""Saying the platform's errors in the page's language: a code's msgid (declared beside the
error, ``infra.errors.MESSAGES``) translated and filled with the error's params."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from infra.errors import MESSAGES, GovcloudError, InvalidInput
from infra.labels import label_msgid

Gettext = Callable[[str], str]


def _shown(value: Any, _: Gettext) -> Any:
    if isinstance(value, StrEnum):
        return _(label_msgid(value))
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def say(code: str, message: str, params: Mapping[str, Any], _: Gettext) -> str:
    """``code``'s msgid in the page's language, filled with ``params`` (enum values by their
    labels); the English ``message`` for a code without one, or params that do not fit it."""
    msgid = MESSAGES.get(code)
    if msgid is None:
        return message
    shown = {name: _shown(value, _) for name, value in params.items()}
    try:
        return _(msgid) % shown
    except (KeyError, TypeError, ValueError):
        return message


def error_page_text(error: GovcloudError, _: Gettext) -> tuple[str, list[dict[str, str]]]:
    """The error page's detail and its field problems, said in the page's language (the
    detail of a field-by-field refusal is the list itself)."""
    fields = [
        {"field": p.field, "message": say(p.code, p.message, p.params, _)}
        for p in error.field_problems()
    ]
    detail = (
        "" if isinstance(error, InvalidInput) else say(error.code, error.message, error.params, _)
    )
    return detail, fields

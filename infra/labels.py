"""``N_`` marks a label for message extraction; it is translated when a page renders it.

Labels live beside their enums (``<domain>/enums.py``) on every floor; the pages translate
them with the catalogs in ``portal_api/locale``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, when the page is rendered."""
    return message


_LABELS: dict[type[StrEnum], dict[str, str]] = {}

E = TypeVar("E", bound=StrEnum)


def labelled(labels: dict[E, str]) -> dict[E, str]:
    """Declare the labels of one enum, beside it: ``X_LABELS: Final = labelled({...})``.

    Having a member means its module was imported, so its labels are known wherever the
    member is shown; there is no central list to forget to extend.
    """
    enum_cls = type(next(iter(labels)))
    _LABELS[enum_cls] = {member.value: text for member, text in labels.items()}
    return labels


def label_msgid(value: StrEnum) -> str:
    """The msgid naming ``value``; an enum member without a label shows its raw value."""
    return _LABELS.get(type(value), {}).get(value.value, value.value)


def all_labelled() -> list[StrEnum]:
    """Every member of every labelled enum imported so far (the tests check none lacks a label)."""
    return [member for enum_cls in _LABELS for member in enum_cls]


def raw_msgid(enum_cls: type[StrEnum], raw: str) -> str:
    """The msgid for a stored string that should be one of ``enum_cls`` (an audit action,
    a contract term's key); anything else shows as stored."""
    try:
        return label_msgid(enum_cls(raw))
    except ValueError:
        return raw

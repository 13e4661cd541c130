"""``N_`` marks a label for message extraction; it is translated when a page renders it.

Labels live beside their enums (``<domain>/enums.py``) on every floor; the pages translate
them with the catalogs in ``portal_api/locale``.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, when the page is rendered."""
    return message

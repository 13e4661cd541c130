"""The one policy for text and numbers that arrive from outside, whatever the route or file.

Every JSON body, query string, form and uploaded cell passes these checks before any work is
done on it: lengths first, then characters.  Refused: NUL (PostgreSQL cannot store it), the
other C0 and C1 control characters (tab, CR and LF only where a field allows several lines),
bidirectional overrides and isolates (they make ``evil.exe`` read as ``exe.live``), and lone
surrogates (not encodable as UTF-8).  Integers are ASCII digits within 64 bits: ``³``, ``٣``,
``1.0``, ``1e3`` and ``true`` are not integers.
"""

from __future__ import annotations

import re
from typing import Any

# The largest integer every backend stores (SQLite INTEGER, PostgreSQL BIGINT).
MAX_INTEGER = 2**63 - 1
# A text field without its own bound takes this one.
DEFAULT_MAX_TEXT = 10_000
# Fields allowing at least this many characters are prose and may span several lines.
MULTILINE_FROM = 1_000
# Nested JSON (``sla_terms`` and the like): levels, and values all told.
MAX_JSON_DEPTH = 32
MAX_JSON_VALUES = 10_000

_BAD_SINGLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BAD_MULTI = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_INTEGER = re.compile(r"-?[0-9]{1,19}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored, or None when it may."""
    found = (_BAD_MULTI if multiline else _BAD_SINGLE).search(value)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return "contains a NUL character (U+0000)"
    if char in "\t\n\r":
        return f"must be one line: contains a tab or line break ({code})"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"contains a bidirectional override ({code})"
    if "\ud800" <= char <= "\udfff":
        return f"contains an unpaired surrogate ({code})"
    return f"contains a control character ({code})"


def parse_int64(text: str) -> int | None:
    """``text`` as an integer if it is one written in ASCII digits within 64 bits, else None."""
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if -MAX_INTEGER <= value <= MAX_INTEGER else None


class StructureProblem(ValueError):
    """Nested data beyond the limits, or holding refused text; ``path`` names where."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def check_structure(
    value: Any, *, path: str = "", multiline: bool = True, max_values: int = MAX_JSON_VALUES
) -> None:
    """Walk decoded JSON: at most MAX_JSON_DEPTH levels and MAX_JSON_VALUES values, every
    string (keys too) within the text policy.  Iterative, so depth never costs the stack."""
    count = 0
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        count += 1
        if count > max_values:
            raise StructureProblem(path, f"more than {max_values:,} values")
        if isinstance(item, str):
            problem = text_problem(item, multiline=multiline)
            if problem:
                raise StructureProblem(where, problem)
            continue
        if isinstance(item, dict | list) and depth >= MAX_JSON_DEPTH:
            raise StructureProblem(where, f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and (problem := text_problem(key)):
                    raise StructureProblem(name, f"key {problem}")
                stack.append((child, name, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((child, f"{where}.{index}" if where else str(index), depth + 1))


def json_depth(body: bytes) -> int:
    """How deep the brackets of a JSON document nest (strings skipped), without parsing it."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0 if b"[" not in body and b"{" not in body else 1  # shallow enough either way
    stripped = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", body)
    depth = deepest = 0
    for bracket in re.finditer(rb"[\[\]{}]", stripped):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def neutralise_cell(value: Any) -> Any:
    """A cell a spreadsheet will show as text: strings that would start a formula get a
    leading apostrophe (numbers like ``-5.00`` stay as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo :func:`neutralise_cell` when a file we wrote comes back."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value

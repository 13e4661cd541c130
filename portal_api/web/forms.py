"""From posted forms to the infra input models, and from their errors back to form fields.

Forms are parsed by hand into plain dicts and validated by the same Pydantic input models the
API uses, so a page can never accept what the API would refuse.  Validation errors are
translated by their type; the domain's own messages (InvalidInput, Conflict, …) are shown as
the services wrote them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from infra.errors import Conflict, GovcloudError, InvalidInput
from portal_api.errors import status_for

Gettext = Callable[[str], str]


@dataclass
class FormState:
    """What a form shows: the submitted values, and problems by field ("" for the form)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def general(self) -> list[str]:
        return self.errors.get("", [])


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def values(form: FormData, names: Iterable[str]) -> dict[str, str]:
    return {name: text(form, name) for name in names}


def without_blanks(data: dict[str, Any], *optional: str) -> dict[str, Any]:
    """``optional`` fields left blank become None (Pydantic would refuse an empty string)."""
    return {k: (None if k in optional and v == "" else v) for k, v in data.items()}


def _validation_message(error: Any, _: Gettext) -> str:
    kind: str = error.get("type", "")
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("This field is required.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind == "greater_than_equal":
        return _("Enter a number of at least %(minimum)s.") % {"minimum": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number of at most %(maximum)s.") % {"maximum": ctx.get("le")}
    if kind == "string_too_short":
        return _("Enter at least %(count)s characters.") % {"count": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Enter at most %(count)s characters.") % {"count": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        return _("This value does not have the expected format.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the offered options.")
    message = str(error.get("msg", ""))
    return message.removeprefix("Value error, ") or _("This value is not valid.")


def _field_of(loc: tuple[Any, ...], message: str, known: Iterable[str]) -> str:
    """The form field an error belongs to; model-level errors that name a field go there."""
    if loc:
        return str(loc[0])
    first_word = message.split(" ", 1)[0]
    return first_word if first_word in set(known) else ""


def record_error(state: FormState, exc: GovcloudError | ValidationError, _: Gettext) -> int:
    """Put ``exc``'s problems on the form; returns the HTTP status to answer with."""
    known = list(state.values)
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            message = _validation_message(error, _)
            state.add(_field_of(tuple(error["loc"]), str(error.get("msg", "")), known), message)
        return 422
    if isinstance(exc, InvalidInput):
        for problem in exc.problems:
            state.add(problem.field if problem.field in known else "", problem.message)
    elif isinstance(exc, Conflict):
        state.add(exc.field if exc.field in known else "", exc.message.split(": ", 1)[-1])
    else:
        name, sep, rest = exc.message.partition(": ")
        if sep and name in known:
            state.add(name, rest)
        else:
            state.add("", exc.message)
    return status_for(exc)

"""From posted forms to the infra input models, and from their errors back to form fields.

Forms are parsed by hand into plain dicts and validated by the same Pydantic input models the
API uses, so a page can never accept what the API would refuse.  Validation errors are
translated by their type; the domain's own errors are said by their code's msgid
(``infra.errors.MESSAGES``) with their params, in the page's language, beside the field they
concern.  :func:`post` is the whole form-POST pattern: validate → service → flash → redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from infra.errors import MESSAGES, GovcloudError, InvalidInput
from portal_api.errors import status_for
from portal_api.web.messages import Gettext, say
from portal_api.web.render import gettext_for, redirect


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

    @property
    def marked(self) -> bool:
        """Whether some field (not only the form as a whole) has a problem."""
        return any(name for name in self.errors)


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


def record_error(
    state: FormState,
    exc: GovcloudError | ValidationError,
    _: Gettext,
    *,
    field_for: Callable[[str], str] | None = None,
) -> int:
    """Put ``exc``'s problems on the form, each beside its field when the form has it
    (``field_for`` names the form's field for a problem's, where they differ: repeated rows);
    returns the HTTP status to answer with."""
    known = list(state.values)
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            message = _validation_message(error, _)
            state.add(_field_of(tuple(error["loc"]), str(error.get("msg", "")), known), message)
        return 422
    said = []
    for problem in exc.field_problems():
        text = say(problem.code, problem.message, problem.params, _)
        field = field_for(problem.field) if field_for else problem.field
        state.add(field if field in known else "", text)
        said.append(text)
    if not said or (exc.code in MESSAGES and not isinstance(exc, InvalidInput)):
        summary = say(exc.code, exc.message, exc.params, _)
        if summary not in said:
            state.errors.setdefault("", []).insert(0, summary)
    return status_for(exc)


def post(
    request: Request,
    session: Session,
    state: FormState,
    work: Callable[[], str],
    *,
    flash: str,
    form_page: Callable[[FormState, int], Response],
) -> Response:
    """The form-POST pattern.  ``work`` validates ``state.values`` and calls the service,
    returning where to go next; it runs in a savepoint, so a refusal leaves nothing
    half-written.  Success: commit, flash ``flash`` (a msgid, translated here) and redirect
    (303).  Refusal (a domain error or a validation error): ``form_page`` shows the form again
    with what was typed and every problem beside its field, answered with the error's status."""
    _ = gettext_for(request)
    try:
        with session.begin_nested():
            target = work()
    except (GovcloudError, ValidationError) as exc:
        return form_page(state, record_error(state, exc, _))
    session.commit()  # release the write lock in this worker thread before redirecting
    return redirect(request, target, _(flash))

"""The platform's exception hierarchy.

Errors carry their facts (which field, which limit, which object) so that the one place that
maps them to HTTP (``portal_api/errors.py``) and the CLI can both say exactly what went wrong.

Each error, and each problem with a field, has a stable ``code`` and ``params`` (its facts by
name).  ``message`` stays English, for the API, the CLI and the logs; :data:`MESSAGES` maps a
code to the msgid a page shows instead, with the params filled in, in the reader's language.
Codes are declared with :func:`says` beside the error that uses them.  A code without a msgid
(raise sites not yet converted) is shown by its English message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from infra.labels import N_, labelled

MESSAGES: Final[dict[str, str]] = {}


def says(code: str, msgid: str) -> str:
    """Declare how pages say ``code``: ``msgid``, with ``%(name)s`` filled from the params.
    Returns ``code``, so a declaration reads ``code = says("name_taken", N_("..."))``."""
    if MESSAGES.setdefault(code, msgid) != msgid:
        raise ValueError(f"error code {code!r} is declared twice with different messages")
    return code


NOT_OFFERED = says("not_offered", N_("Choose one of the offered options."))
ABOVE_MAXIMUM = says("above_maximum", N_("Enter a number of at most %(maximum)s."))
BETWEEN = says("between", N_("Enter a whole number from %(minimum)s to %(maximum)s."))

# Generic codes (branch errors2): a handful of sentences with params, shared by many raise sites.
REQUIRED = says("required", N_("This field is required."))
AT_LEAST_CHARS = says("at_least_chars", N_("Enter at least %(count)s characters."))
AT_MOST_CHARS = says("at_most_chars", N_("Enter at most %(count)s characters."))
NOT_FOUND_NAMED = says("not_found_named", N_("There is no %(what)s %(value)s."))
IN_USE = says("in_use", N_("%(value)s still has %(items)s: remove them first."))
WRONG_STATE = says("wrong_state", N_("Not possible now: it is %(state)s."))
AFTER_DATE = says("after_date", N_("Enter a date after %(date)s."))
NOT_IN_PAST = says("not_in_past", N_("Enter a date no earlier than today, %(today)s."))
AT_MOST_DAYS = says("at_most_days", N_("A term lasts at most %(days)s days."))
AT_MOST_AMOUNT = says("at_most_amount", N_("Enter an amount of at most %(maximum)s."))


class Thing(StrEnum):
    """What an error names (``not_found_named``'s ``what``, ``in_use``'s ``items``), so that
    pages say it in their language by its label."""

    DEPARTMENT = "thing.department"
    SUB_DEPARTMENTS = "thing.sub_departments"
    USERS = "thing.users"
    QUOTAS = "thing.quotas"
    PROVIDER = "thing.provider"
    REQUEST_ITEM = "thing.request_item"
    INVOICE_LINE = "thing.invoice_line"

    @property
    def english(self) -> str:
        """How the English ``message`` names it (the label, untranslated)."""
        return THING_LABELS[self]


THING_LABELS: Final = labelled(
    {
        Thing.DEPARTMENT: N_("department"),
        Thing.SUB_DEPARTMENTS: N_("sub-departments"),
        Thing.USERS: N_("users"),
        Thing.QUOTAS: N_("quotas"),
        Thing.PROVIDER: N_("provider"),
        Thing.REQUEST_ITEM: N_("request item"),
        Thing.INVOICE_LINE: N_("invoice line"),
    }
)


class GovcloudError(Exception):
    """Base of every error the platform raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params: dict[str, Any] = dict(params or {})

    def field_problems(self) -> list[FieldProblem]:
        """The problems to show beside form fields: by default the field a message such as
        ``"limit: must be at most 10"`` names (pages keep those a form does not have)."""
        name, sep, rest = self.message.partition(": ")
        return [FieldProblem(name, rest)] if sep and " " not in name else []


@dataclass(frozen=True)
class FieldProblem:
    """One field's problem: English ``message``, and ``code``/``params`` for the pages."""

    field: str
    message: str
    code: str = "invalid"
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)


class InvalidInput(GovcloudError):
    """Input that breaks a rule; names every offending field."""

    code = says("invalid_input", N_("Please correct the marked fields."))

    def __init__(self, *problems: FieldProblem) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))

    @classmethod
    def one(
        cls,
        field_name: str,
        message: str,
        *,
        code: str = "invalid",
        params: Mapping[str, Any] | None = None,
    ) -> InvalidInput:
        return cls(FieldProblem(field_name, message, code, dict(params or {})))

    def field_problems(self) -> list[FieldProblem]:
        return list(self.problems)


class NotFound(GovcloudError):
    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"{entity} {key!s} not found")


class Conflict(GovcloudError):
    """The request clashes with existing data (a duplicate name, a row still in use)."""

    code = "conflict"

    def __init__(
        self,
        field_name: str,
        message: str,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.field = field_name
        self.detail = message
        if code is not None:
            self.code = code  # a generic code (``in_use``, ``wrong_state``) for this one raise
        super().__init__(f"{field_name}: {message}", params=params)

    def field_problems(self) -> list[FieldProblem]:
        return [FieldProblem(self.field, self.detail, self.code, self.params)]


class NameTaken(Conflict):
    """A name (code, username...) that must be unique is already used."""

    code = says("name_taken", N_("“%(value)s” is already taken: choose another."))

    def __init__(self, field_name: str, message: str, *, value: object) -> None:
        super().__init__(field_name, message, params={"value": str(value)})


class NotAuthenticated(GovcloudError):
    code = "not_authenticated"


class PermissionDenied(GovcloudError):
    code = "permission_denied"

    def __init__(
        self, message: str, *, code: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        if code is not None:
            self.code = code  # said as a whole on the page: no field problem is split off
        super().__init__(message, params=params)

    def field_problems(self) -> list[FieldProblem]:
        if self.code != PermissionDenied.code:
            return []
        return super().field_problems()


ROLE_MAY_NOT = says("role_may_not", N_("Your role (%(role)s) may not do this."))


class TooManyAttempts(GovcloudError):
    """Sign-in refused for a while: too many wrong passwords for the account or the address."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)

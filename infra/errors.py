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
from typing import Any, Final

from infra.labels import N_

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
        self, field_name: str, message: str, *, params: Mapping[str, Any] | None = None
    ) -> None:
        self.field = field_name
        self.detail = message
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


class TooManyAttempts(GovcloudError):
    """Sign-in refused for a while: too many wrong passwords for the account or the address."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)

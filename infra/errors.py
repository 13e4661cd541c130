"""The platform's exception hierarchy.

Errors carry their facts (which field, which limit, which object) so that the one place that
maps them to HTTP (``portal_api/errors.py``) and the CLI can both say exactly what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass


class GovcloudError(Exception):
    """Base of every error the platform raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidInput(GovcloudError):
    """Input that breaks a rule; names every offending field."""

    code = "invalid_input"

    def __init__(self, *problems: FieldProblem) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))

    @classmethod
    def one(cls, field_name: str, message: str) -> InvalidInput:
        return cls(FieldProblem(field_name, message))


class NotFound(GovcloudError):
    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"{entity} {key!s} not found")


class Conflict(GovcloudError):
    """The request clashes with existing data (a duplicate name, a row still in use)."""

    code = "conflict"

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


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

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is doing something: a signed-in user, or the system itself (CLI, jobs)."""

    username: str
    user_id: int | None = None
    # The role's value (``infra.tenancy.enums.Role`` is a StrEnum): the audit log sits below
    # tenancy and does not import it.
    role: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(username=f"system:{name}")

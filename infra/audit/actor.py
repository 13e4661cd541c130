from __future__ import annotations

from dataclasses import dataclass

from infra.tenancy.enums import Role


@dataclass(frozen=True)
class Actor:
    """Who is doing something: a signed-in user, or the system itself (CLI, jobs)."""

    username: str
    user_id: int | None = None
    role: Role | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(username=f"system:{name}")

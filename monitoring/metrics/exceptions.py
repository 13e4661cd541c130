"""Errors of agent enrolment and ingest, carrying their facts."""

from __future__ import annotations

from infra.errors import Conflict, FieldProblem, InvalidInput, NotAuthenticated


class AgentTokenRefused(NotAuthenticated):
    """An agent's token is missing, unknown or revoked (``reason`` says which)."""

    code = "agent_token_refused"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"authorization: {reason}")


class BatchTooLarge(InvalidInput):
    """A batch beyond the configured size (HTTP 413): nothing of it is stored."""

    code = "batch_too_large"

    def __init__(self, field_name: str, limit: int, actual: int, unit: str) -> None:
        self.limit, self.actual, self.unit = limit, actual, unit
        super().__init__(
            FieldProblem(field_name, f"{actual:,} {unit} is over the limit of {limit:,} {unit}")
        )


class BatchIdReused(Conflict):
    """A batch id already stored for a different host."""

    def __init__(self, batch_id: str) -> None:
        super().__init__("batch_id", f"{batch_id} was already pushed by another host")

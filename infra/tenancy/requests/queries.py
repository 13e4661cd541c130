"""Read models over resource requests for the home pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.scope import Scope


def state_counts(session: Session, *, scope: Scope) -> dict[RequestState, int]:
    """How many requests ``scope`` sees in each state (states with none are left out)."""
    rows = session.execute(
        select(ResourceRequest.state, func.count())
        .where(scope.where(ResourceRequest.department_id))
        .group_by(ResourceRequest.state)
    )
    return {RequestState(state): int(count) for state, count in rows}

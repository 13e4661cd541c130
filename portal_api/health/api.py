from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from portal_api.deps import PUBLIC, SessionDep

router = APIRouter(tags=["health"])


@router.get("/health", dependencies=[PUBLIC])
def health(session: SessionDep) -> dict[str, str]:
    """Liveness and database reachability (no sign-in needed: for load balancers)."""
    session.execute(text("SELECT 1"))
    return {"status": "ok", "database": session.get_bind().dialect.name}

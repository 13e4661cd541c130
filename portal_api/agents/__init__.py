"""Host agents and the samples they push."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("agents")

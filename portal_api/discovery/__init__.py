"""SSH discovery of legacy hosts."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("discovery")

"""Network zones and links."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("network")

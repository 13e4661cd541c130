"""The event outbox and its deliveries."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("events")

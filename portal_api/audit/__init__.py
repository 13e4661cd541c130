"""The hash-chained audit log."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("audit")

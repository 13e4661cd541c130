"""The legacy estate: survey uploads and exports."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("estate")

"""Quota usage figures for the API."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("usage")

"""Liveness: the API's health check."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("health")

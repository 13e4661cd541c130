"""Signing in and out: API tokens, the login page, passwords."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("accounts")

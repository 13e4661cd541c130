"""Errors of the services domain (mapped to HTTP in portal_api/errors.py like every other)."""

from __future__ import annotations

from infra.errors import InvalidInput


def bad(field: str, message: str) -> InvalidInput:
    """A 422 naming ``field``: the shape every monitoring input error takes."""
    return InvalidInput.one(field, message)

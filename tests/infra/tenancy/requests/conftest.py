"""The request tests' scene (defined in tests/request_factories.py)."""

from tests.request_factories import scene

__all__ = ["scene"]

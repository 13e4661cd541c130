"""The metrics app, client and enrolled agent for these tests."""

from tests.monitoring.metrics_support import client, enrolled, metrics_app  # noqa: F401

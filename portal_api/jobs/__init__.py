"""Jobs: the queue, a job's page and its live log; the worker."""

from __future__ import annotations

from portal_api.domain import Domain

DOMAIN = Domain("jobs")

"""Request job kinds: the expiry sweep, run on demand (it is also a daily schedule)."""

from __future__ import annotations

from infra.jobs.registry import JobKind
from infra.tenancy.requests.expiry import SWEEP_KIND, sweep_job

JOBS: tuple[JobKind, ...] = (JobKind(SWEEP_KIND, sweep_job, retries=2),)

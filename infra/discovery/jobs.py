"""Discovery's job kinds."""

from __future__ import annotations

from infra.discovery.flows import SWEEP_KIND, run_sweep
from infra.jobs.registry import JobKind

# A sweep only probes and stores what it saw: a lapsed one is simply run again.
JOBS: tuple[JobKind, ...] = (JobKind(SWEEP_KIND, run_sweep, retries=1),)

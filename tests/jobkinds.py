"""Test modules with job kinds of their own: install the real registry plus theirs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from infra.jobs import registry
from infra.jobs.registry import JobKind


@contextmanager
def with_kinds(*kinds: JobKind) -> Iterator[registry.JobRegistry]:
    from portal_api.registry import JOB_KINDS

    previous = registry.install((*JOB_KINDS, *kinds))
    try:
        yield registry.installed()
    finally:
        registry.install(previous)

"""Which job kinds exist, what runs them, on which queue, and how often they may be retried.

Each domain lists its kinds in ``<domain>/jobs.py`` as ``JOBS: tuple[JobKind, ...]``;
``portal_api/registry.py`` collects them into ``JOB_KINDS`` and every process that submits or
runs jobs (the panel's lifespan, ``govcloud worker``, the CLI) installs that collection with
:func:`install` when it starts.  Nothing registers itself by being imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from infra.jobs.runner import JobContext

Handler = Callable[["JobContext", dict[str, Any]], dict[str, Any] | None]
LockFor = Callable[[Session, dict[str, Any]], str | None]

DEFAULT_QUEUE = "default"
# Work that only one host can do today: a migration run's directory and its pid checks, and
# Pulumi's file backend.  Run exactly one ``govcloud worker --queue host`` per installation,
# on the machine that holds those directories (or put them on shared storage).
HOST_QUEUE = "host"


@dataclass(frozen=True)
class JobKind:
    """One kind of job.

    ``retries``: how many more attempts a job gets when its lease lapses (its worker died or
    stopped heartbeating); a handler that *raises* fails the job at once — errors are
    deterministic, crashes are not.  ``lock``: given the submitting session and the params,
    a key that no two jobs may run under at once (Procrastinate's ``lock``), e.g. one run
    per system.
    """

    kind: str
    handler: Handler
    queue: str = DEFAULT_QUEUE
    retries: int = 0
    lock: LockFor | None = None

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries cannot be negative")


class JobRegistry(Mapping[str, JobKind]):
    """An immutable map of kind name → :class:`JobKind`; duplicate names are refused."""

    def __init__(self, kinds: Iterable[JobKind] = ()) -> None:
        by_name: dict[str, JobKind] = {}
        for kind in kinds:
            if kind.kind in by_name and by_name[kind.kind] is not kind:
                raise ValueError(f"job kind {kind.kind!r} is declared twice")
            by_name[kind.kind] = kind
        self._kinds = by_name

    def __getitem__(self, name: str) -> JobKind:
        return self._kinds[name]

    def __iter__(self) -> Any:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def queues(self) -> frozenset[str]:
        return frozenset(k.queue for k in self._kinds.values())


_installed = JobRegistry()
_lock = threading.Lock()


Kinds = Iterable[JobKind] | JobRegistry  # what a process installs at start


def install(kinds: Kinds) -> JobRegistry:
    """Make ``kinds`` the process's job kinds; returns the registry it replaces."""
    global _installed
    registry = kinds if isinstance(kinds, JobRegistry) else JobRegistry(kinds)
    with _lock:
        previous, _installed = _installed, registry
    return previous


def installed() -> JobRegistry:
    return _installed


def kind_of(name: str) -> JobKind | None:
    return _installed.get(name)

"""Discovery fixtures: the run's SSH hosts registered as targets with govcloud's credential."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from infra.jobs.runner import InlineBackend, set_backend


@pytest.fixture
def inline_jobs(session_factory: sessionmaker[Session]) -> Iterator[None]:
    """Jobs run to the end inside the commit that submits them (deterministic tests)."""
    previous = set_backend(InlineBackend(session_factory))
    yield
    set_backend(previous)

"""Metrics fixtures and helpers for tests/monitoring/agent and tests/monitoring/metrics:
an app per run, inventory hosts, enrolled agents, batches."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.database import session_factories
from infra.inventory.models import Host
from infra.jobs.runner import InProcessBackend
from infra.settings import get_settings
from monitoring.metrics import service
from tests import request_factories

RAISE = False  # 500s come back as responses, so a test can name the request


@pytest.fixture(scope="session")
def metrics_app(shared_engine: Engine) -> FastAPI:
    from portal_api.app import create_app

    return create_app(get_settings(), session_factories(shared_engine)[1], with_pages=False)


@pytest.fixture
def client(
    metrics_app: FastAPI, engine: Engine, job_backend: InProcessBackend
) -> Iterator[TestClient]:
    with TestClient(metrics_app, raise_server_exceptions=RAISE) as test_client:
        yield test_client


@dataclass
class Enrolled:
    host: Host
    enrolment_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_hosts(session: Session, count: int = 2) -> list[Host]:
    cloud = request_factories.cloud(session, hosts=count)
    session.commit()
    return list(cloud.hosts)


def enrol(session: Session, host: Host) -> Enrolled:
    enrolment, token = service.enrol(session, actor=Actor.system("tests"), host_id=host.id)
    session.commit()
    return Enrolled(host, enrolment.id, token)


@pytest.fixture
def enrolled(session: Session) -> Enrolled:
    return enrol(session, make_hosts(session, 1)[0])


def batch(
    *,
    t_ms: int | None = None,
    collections: int = 1,
    step_ms: int = 1000,
    series: int = 3,
    seq: int = 1,
    value: float = 1.5,
) -> dict[str, Any]:
    """A well-formed batch: ``series`` cpu-mode series sampled ``collections`` times."""
    start = t_ms if t_ms is not None else int(time.time() * 1000) - collections * step_ms
    return {
        "batch_id": str(uuid.uuid4()),
        "seq": seq,
        "series": [
            {"name": "node_cpu_seconds_total", "labels": {"cpu": "0", "mode": f"m{i}"}}
            for i in range(series)
        ],
        "samples": [
            [i, start + c * step_ms, value + c + i]
            for c in range(collections)
            for i in range(series)
        ],
    }

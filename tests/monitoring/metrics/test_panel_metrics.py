"""The control panel's own /metrics: request latency by route template, jobs, ingest lag."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.jobs.enums import JobStatus
from infra.settings import get_settings
from tests import factories
from tests.monitoring.metrics_support import Enrolled, batch


def test_panel_metrics_show_latency_jobs_and_ingest(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    """Catches raw paths as labels (unbounded series) and a missing ingest lag."""
    factories.job(session, dept=factories.department(session), status=JobStatus.QUEUED)
    session.commit()
    assert client.get("/healthz").status_code == 200
    assert (
        client.post("/api/v1/metrics/batches", json=batch(), headers=enrolled.headers).status_code
        == 200
    )
    client.get("/api/v1/jobs/123456")
    text = client.get("/metrics").text
    assert (
        'govcloud_http_request_duration_seconds_count{method="POST",route="/api/v1/metrics/batches",status="2xx"}'
        in text
    )
    assert 'route="/api/v1/jobs/{job_id}"' in text
    assert "/api/v1/jobs/123456" not in text
    assert 'govcloud_jobs{status="queued"} 1.0' in text
    lag = next(x for x in text.splitlines() if x.startswith("govcloud_ingest_lag_seconds "))
    assert 0 <= float(lag.split()[1]) < 120
    assert "govcloud_ingest_batches_total 1.0" in text or "govcloud_ingest_batches_total" in text


def test_panel_metrics_token_when_set(client: TestClient, monkeypatch: object) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    from pydantic import SecretStr

    original = settings.monitoring.panel_metrics_token
    settings.monitoring.panel_metrics_token = SecretStr("scrape-me")
    try:
        assert client.get("/metrics").status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert ok.status_code == 200
    finally:
        settings.monitoring.panel_metrics_token = original
    assert get_settings() is not None

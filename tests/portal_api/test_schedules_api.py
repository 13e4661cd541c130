"""GET /api/v1/schedules and running one by hand."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories


def test_list_and_run_a_schedule(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    operator = w.headers[Role.OPERATOR]
    listed = client.get("/api/v1/schedules", headers=w.headers[Role.AUDITOR])
    assert listed.status_code == 200, listed.text
    (expiry,) = [s for s in listed.json() if s["name"] == "requests.expiry"]
    assert expiry["period"] == "every 86400 s"
    assert expiry["last_job_id"] is None
    assert expiry["next_run_at"] is not None

    assert (
        client.post(
            "/api/v1/schedules/requests.expiry/run", headers=w.headers[Role.AUDITOR]
        ).status_code
        == 403
    )
    assert client.post("/api/v1/schedules/nope/run", headers=operator).status_code == 404
    accepted = client.post("/api/v1/schedules/requests.expiry/run", headers=operator)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    deadline = time.monotonic() + 20
    while (job := client.get(f"/api/v1/jobs/{job_id}", headers=operator).json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "succeeded", job
    assert job["kind"] == "schedule:requests.expiry"
    (after,) = [
        s
        for s in client.get("/api/v1/schedules", headers=operator).json()
        if s["name"] == "requests.expiry"
    ]
    assert after["last_job_id"] == job_id
    assert after["last_status"] == "succeeded"
    assert (
        client.get("/api/v1/schedules", headers=w.headers[Role.DEPARTMENT_USER]).status_code == 403
    )

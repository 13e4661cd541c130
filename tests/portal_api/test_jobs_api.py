"""Long work through the API: 202 and a job id, then the job and its events, polled or streamed."""

from __future__ import annotations

import datetime as dt
import json
import time
from threading import Thread
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import guard
from infra.audit.service import record
from infra.database import session_scope, utcnow
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.jobs.runner import InlineBackend, JobContext, set_backend
from infra.jobs.service import submit_job
from infra.tenancy.enums import Role
from tests import factories


def _finished(client: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if JobStatus(job["status"]).finished:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def _sse(client: TestClient, path: str, headers: dict[str, str]) -> list[tuple[str, str, str]]:
    """(id, event, data) of every message of a server-sent event stream, to its end."""
    messages, current = [], {"id": "", "event": "message", "data": ""}
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                messages.append((current["id"], current["event"], current["data"]))
                current = {"id": "", "event": "message", "data": ""}
                continue
            key, _, value = line.partition(": ")
            current[key] = value
    return messages


def _audit(session_factory: sessionmaker[Session], n: int) -> None:
    with session_scope(session_factory) as session:
        for i in range(n):
            record(session, actor=factories.SYSTEM, action="create", entity="thing", entity_id=i)


def test_verify_the_audit_chain_as_a_job(
    client: TestClient, session: Session, session_factory: sessionmaker[Session]
) -> None:
    w = factories.world(session)
    operator = w.headers[Role.OPERATOR]
    accepted = client.post("/api/v1/audit/verify", headers=operator)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    job_id = body["job_id"]
    assert body["url"] == f"/api/v1/jobs/{job_id}"
    assert body["events_url"] == f"/api/v1/jobs/{job_id}/stream"

    job = _finished(client, job_id, operator)
    assert job["status"] == "succeeded", job
    assert job["kind"] == "audit.verify"
    assert job["progress"] == 100
    assert job["result"]["ok"] is True
    assert job["result"]["checked"] >= 15  # the world's departments, users and tokens
    assert job["created_by"] == w.users[Role.OPERATOR].username

    events = client.get(f"/api/v1/jobs/{job_id}/events?after=0", headers=operator).json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["message"] == "verifying the audit chain"
    assert events[-1]["message"] == f"chain intact: {job['result']['checked']} entries"
    later = client.get(f"/api/v1/jobs/{job_id}/events?after=1", headers=operator).json()
    assert later == events[1:]
    assert client.get(f"/api/v1/jobs/{job_id}/events?after=99", headers=operator).json() == []

    stream = _sse(client, body["events_url"], operator)
    assert [m[1] for m in stream] == ["job-event"] * len(events) + ["end"]
    assert [int(m[0]) for m in stream[:-1]] == [e["seq"] for e in events]
    assert [json.loads(m[2])["message"] for m in stream[:-1]] == [e["message"] for e in events]
    assert json.loads(stream[-1][2]) == {"status": "succeeded"}
    resumed = _sse(client, body["events_url"], {**operator, "Last-Event-ID": "1"})
    assert [m[0] for m in resumed] == [str(e["seq"]) for e in events[1:]] + [""]


def test_a_tampered_chain_is_reported_by_the_job(
    client: TestClient, session: Session, session_factory: sessionmaker[Session]
) -> None:
    w = factories.world(session)
    auditor = w.headers[Role.AUDITOR]
    with session_scope(session_factory) as raw, guard.suspended(raw.connection()):
        raw.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3"))
    job_id = client.post("/api/v1/audit/verify", headers=auditor).json()["job_id"]
    job = _finished(client, job_id, auditor)
    assert job["result"] == {
        "ok": False,
        "checked": 2,
        "first_broken_seq": 3,
        "reason": "entry 3 was altered: its hash does not match",
        "checkpoints": 0,
        "problems": ["entry 3 was altered: its hash does not match"],
    }
    events = client.get(f"/api/v1/jobs/{job_id}/events", headers=auditor).json()
    assert events[-1]["level"] == "error"
    assert events[-1]["data"] == {"seq": 3}


def test_the_stream_follows_a_job_while_it_runs(
    client: TestClient, session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Events written after the stream opened arrive on it, then the end."""
    w = factories.world(session)
    job = factories.job(session, dept=w.own, status=JobStatus.RUNNING)
    headers = w.headers[Role.DEPARTMENT_USER]

    def work() -> None:
        context = JobContext(job.id, session_factory)
        for n in range(3):
            time.sleep(0.1)
            context.log(f"step {n + 1}")
        with session_scope(session_factory) as s:
            s.execute(text("UPDATE jobs SET status = 'succeeded' WHERE id = :id"), {"id": job.id})

    worker = Thread(target=work)
    worker.start()
    stream = _sse(client, f"/api/v1/jobs/{job.id}/stream", headers)
    worker.join()
    assert [json.loads(m[2]).get("message") for m in stream[:-1]] == [
        "step 1",
        "step 2",
        "step 3",
    ]
    assert stream[-1][1:] == ("end", '{"status": "succeeded"}')


def test_department_users_see_only_their_departments_jobs(
    client: TestClient, session: Session
) -> None:
    w = factories.world(session)
    own = factories.job(session, dept=w.section)
    other = factories.job(session, dept=w.other, status=JobStatus.QUEUED)
    office = factories.job(session, dept=None)
    mine = factories.job(session, dept=None, created_by=w.users[Role.DEPARTMENT_ADMIN])
    for role in (Role.DEPARTMENT_USER, Role.DEPARTMENT_ADMIN):
        headers = w.headers[role]
        listed = client.get("/api/v1/jobs", headers=headers).json()
        expected = {own.id} | ({mine.id} if role is Role.DEPARTMENT_ADMIN else set())
        assert {j["id"] for j in listed["items"]} == expected
        for hidden in (other, office):
            for suffix in ("", "/events", "/stream"):
                response = client.get(f"/api/v1/jobs/{hidden.id}{suffix}", headers=headers)
                assert response.status_code == 404, (role, suffix, response.text)
                assert response.json()["error"] == "not_found"
    admin = w.headers[Role.DEPARTMENT_ADMIN]
    assert client.post(f"/api/v1/jobs/{other.id}/cancel", headers=admin).status_code == 404
    digits = "1" * 32  # a job id is text, however many digits it happens to have
    assert client.get(f"/api/v1/jobs/{digits}", headers=admin).status_code == 404
    assert client.get(f"/api/v1/jobs/{mine.id}", headers=admin).status_code == 200
    everything = client.get("/api/v1/jobs", headers=w.headers[Role.AUDITOR]).json()
    assert everything["total"] == 4
    queued = client.get("/api/v1/jobs?status=queued", headers=w.headers[Role.OPERATOR]).json()
    assert [j["id"] for j in queued["items"]] == [other.id]


def test_cancel_through_the_api(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    queued = factories.job(session, dept=w.own, status=JobStatus.QUEUED)
    admin = w.headers[Role.DEPARTMENT_ADMIN]
    assert (
        client.post(
            f"/api/v1/jobs/{queued.id}/cancel", headers=w.headers[Role.DEPARTMENT_USER]
        ).status_code
        == 403
    )
    cancelled = client.post(f"/api/v1/jobs/{queued.id}/cancel", headers=admin)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["finished_at"] is not None
    again = client.post(f"/api/v1/jobs/{queued.id}/cancel", headers=admin)
    assert again.status_code == 409
    assert again.json()["fields"] == [
        {"field": "status", "message": f"job {queued.id} has already cancelled"}
    ]


def test_a_restarted_panel_leaves_running_jobs_to_their_lease_and_runs_queued_ones(
    app: FastAPI, session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Start-up no longer fails running jobs (that broke a second panel, or the CLI running a
    job while the panel restarted): a job whose lease is fresh stays running; one whose lease
    has lapsed is failed (its kind allows no retry) by the maintenance; queued ones run."""
    w = factories.world(session)
    fresh = factories.job(session, dept=w.own, status=JobStatus.RUNNING)
    lapsed = factories.job(session, dept=w.own, status=JobStatus.RUNNING)
    with session_scope(session_factory) as s:
        now = utcnow()
        s.execute(
            update(Job)
            .where(Job.id == fresh.id)
            .values(owner="cli:1:a", started_at=now, lease_expires_at=now + dt.timedelta(60))
        )
        s.execute(
            update(Job)
            .where(Job.id == lapsed.id)
            .values(owner="gone:2:b", started_at=now, lease_expires_at=now - dt.timedelta(1))
        )
        set_backend(_Holder())  # the old process: it dies before running anything
        queued = submit_job(
            s, kind="audit.verify", title="verify", params={}, actor=factories.SYSTEM
        )
    set_backend(InlineBackend(session_factory))
    with TestClient(app) as restarted:  # the lifespan resumes queued jobs and reaps once
        operator = w.headers[Role.OPERATOR]
        assert (
            restarted.get(f"/api/v1/jobs/{fresh.id}", headers=operator).json()["status"]
            == "running"
        )
        deadline = time.monotonic() + 10
        while (got := restarted.get(f"/api/v1/jobs/{lapsed.id}", headers=operator).json())[
            "status"
        ] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert got["status"] == "failed"
        assert got["error"] == "lease lapsed: its runner gone:2:b stopped"
        assert (
            restarted.get(f"/api/v1/jobs/{queued.id}", headers=operator).json()["status"]
            == "succeeded"
        )


class _Holder:
    def enqueue(self, job_id: str) -> None:
        return None

    def shutdown(self, *, wait: bool = True) -> None:
        return None

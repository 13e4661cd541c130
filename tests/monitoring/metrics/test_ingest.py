"""Push ingest through the API: stored once, all or nothing, refusals that name the problem."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.settings import get_settings
from infra.tenancy.enums import Role
from monitoring.metrics.models import MetricBatch, MetricSample, MetricSeries
from tests import factories
from tests.monitoring.metrics_support import Enrolled, batch, enrol, make_hosts

URL = "/api/v1/metrics/batches"


def counts(session: Session) -> tuple[int, int, int]:
    session.rollback()  # a fresh snapshot
    return (
        session.scalar(select(func.count()).select_from(MetricBatch)) or 0,
        session.scalar(select(func.count()).select_from(MetricSeries)) or 0,
        session.scalar(select(func.count()).select_from(MetricSample)) or 0,
    )


def test_a_batch_is_stored_and_a_replay_stores_nothing(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    """Catches a replayed batch id being stored twice (or refused, which would jam the agent)."""
    body = batch(collections=4, series=3)
    first = client.post(URL, json=body, headers=enrolled.headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"batch_id": body["batch_id"], "stored": 12, "duplicate": False}
    assert counts(session) == (1, 3, 12)
    again = client.post(URL, json=body, headers=enrolled.headers)
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    assert again.json()["stored"] == 0
    assert counts(session) == (1, 3, 12)
    # The next batch reuses the series it already has.
    later = batch(t_ms=body["samples"][-1][1] + 1000, collections=2, series=3, seq=2)
    assert client.post(URL, json=later, headers=enrolled.headers).status_code == 200
    assert counts(session) == (2, 3, 18)


def test_samples_are_stored_exactly(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    body = batch(collections=2, series=2, value=0.1)
    assert client.post(URL, json=body, headers=enrolled.headers).status_code == 200
    session.rollback()
    stored = session.execute(
        select(MetricSeries.labels, MetricSample.t_ms, MetricSample.value)
        .join(MetricSeries)
        .order_by(MetricSample.t_ms, MetricSeries.labels)
    ).all()
    expected = sorted(
        (json.dumps(body["series"][i]["labels"], sort_keys=True, separators=(",", ":")), t, v)
        for i, t, v in body["samples"]
    )
    assert sorted(tuple(r) for r in stored) == expected


def test_the_same_batch_id_from_another_host_is_a_conflict(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    other = enrol(session, make_hosts(session, 1)[0])
    body = batch()
    assert client.post(URL, json=body, headers=enrolled.headers).status_code == 200
    refused = client.post(URL, json=body, headers=other.headers)
    assert refused.status_code == 409
    assert "batch_id" in refused.text


def _bad_bodies() -> dict[str, tuple[Any, int, str]]:
    now = int(time.time() * 1000)
    settings = get_settings().monitoring
    future = batch(t_ms=now + (settings.max_future_skew_s + 3600) * 1000)
    past = batch(t_ms=now - (settings.sample_max_age_s + 3600) * 1000)
    bad_index = batch()
    bad_index["samples"][0][0] = 7
    duplicate = batch()
    duplicate["samples"].append(list(duplicate["samples"][0]))
    repeated_series = batch(series=2)
    repeated_series["series"][1] = repeated_series["series"][0]
    bad_name = batch()
    bad_name["series"][0]["name"] = "node cpu"
    bad_label = batch()
    bad_label["series"][0]["labels"] = {"__name__": "x"}
    unknown_field = {**batch(), "extra": 1}
    missing_id = batch()
    del missing_id["batch_id"]
    not_uuid = {**batch(), "batch_id": "batch-1"}
    negative_seq = {**batch(), "seq": -1}
    wrong_sample = batch()
    wrong_sample["samples"][0] = ["a", "b"]
    # One bad sample among good ones: nothing of the batch may be stored.
    mixed = batch(collections=5)
    mixed["samples"][-1][1] = now + 10 * 86400 * 1000
    return {
        "future": (future, 422, "samples[0]"),
        "far past": (past, 422, "older than"),
        "series index": (bad_index, 422, "series index 7"),
        "duplicate sample": (duplicate, 422, "a second value"),
        "repeated series": (repeated_series, 422, "series[1]"),
        "metric name": (bad_name, 422, "series"),
        "label name": (bad_label, 422, "label name"),
        "unknown field": (unknown_field, 422, "extra"),
        "no batch id": (missing_id, 422, "batch_id"),
        "batch id not a uuid": (not_uuid, 422, "batch_id"),
        "negative seq": (negative_seq, 422, "seq"),
        "sample shape": (wrong_sample, 422, "samples"),
        "one bad sample among many": (mixed, 422, "in the future"),
    }


BAD = _bad_bodies()


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_batches_are_refused_naming_the_problem_and_nothing_is_stored(
    client: TestClient, session: Session, enrolled: Enrolled, case: str
) -> None:
    """Catches a check that is skipped or that runs after the first write."""
    body, status, words = BAD[case]
    response = client.post(URL, json=body, headers=enrolled.headers)
    assert response.status_code == status, response.text
    assert words in response.text
    assert counts(session) == (0, 0, 0)


def test_malformed_json_and_non_finite_values_are_refused(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    headers = {**enrolled.headers, "content-type": "application/json"}
    broken = client.post(URL, content=b'{"batch_id": ', headers=headers)
    assert broken.status_code == 422, broken.text
    body = json.dumps(batch()).replace("1.5", "NaN", 1)
    nan = client.post(URL, content=body.encode(), headers=headers)
    assert nan.status_code == 422, nan.text
    assert "finite" in nan.text
    assert counts(session) == (0, 0, 0)


def test_oversized_batches_are_refused_with_413(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    """Catches the size limits being ignored (the body limit must hold before parsing)."""
    settings = get_settings().monitoring
    too_many = batch(collections=settings.max_batch_samples // 3 + 1, step_ms=1)
    response = client.post(URL, json=too_many, headers=enrolled.headers)
    assert response.status_code == 413, response.text[:300]
    assert "samples" in response.text
    assert f"{settings.max_batch_samples:,}" in response.text
    huge = b'{"pad": "' + b"x" * (settings.max_batch_bytes + 10) + b'"}'
    response = client.post(
        URL, content=huge, headers={**enrolled.headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "body" in response.text
    assert counts(session) == (0, 0, 0)


def test_unknown_missing_and_revoked_tokens_are_refused(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    """Catches a revoked agent still being able to push."""
    body = batch()
    none = client.post(URL, json=body)
    assert none.status_code == 401
    assert "Bearer" in none.text
    unknown = client.post(URL, json=body, headers={"Authorization": "Bearer gca_nope"})
    assert unknown.status_code == 401
    assert "unknown" in unknown.text
    user_token = factories.bearer(session, factories.user(session, role=Role.OPERATOR))
    wrong_kind = client.post(URL, json=body, headers=user_token)
    assert wrong_kind.status_code == 401
    assert "not an agent token" in wrong_kind.text
    operator = factories.bearer(session, factories.user(session, role=Role.OPERATOR))
    revoked = client.delete(f"/api/v1/metrics/agents/{enrolled.enrolment_id}", headers=operator)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    refused = client.post(URL, json=body, headers=enrolled.headers)
    assert refused.status_code == 401
    assert "revoked" in refused.text
    assert counts(session)[0] == 0


def test_operators_enrol_agents_and_the_token_pushes(client: TestClient, session: Session) -> None:
    host = make_hosts(session, 1)[0]
    operator = factories.bearer(session, factories.user(session, role=Role.OPERATOR))
    made = client.post("/api/v1/metrics/agents", json={"host_id": host.id}, headers=operator)
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert token.startswith("gca_")
    assert made.json()["host_name"] == host.name
    pushed = client.post(URL, json=batch(), headers={"Authorization": f"Bearer {token}"})
    assert pushed.status_code == 200
    listed = client.get("/api/v1/metrics/agents", headers=operator).json()
    assert listed[0]["last_push_at"]
    assert "token" not in listed[0]
    missing = client.post("/api/v1/metrics/agents", json={"host_id": 999999}, headers=operator)
    assert missing.status_code == 422
    assert "host_id" in missing.text


def test_series_read_back_through_the_api(
    client: TestClient, session: Session, enrolled: Enrolled
) -> None:
    """The query route reads through the sample source with Prometheus's step semantics."""
    body = batch(collections=3, series=2, step_ms=10_000)
    assert client.post(URL, json=body, headers=enrolled.headers).status_code == 200
    first = body["samples"][0][1]
    reader = factories.bearer(session, factories.user(session, role=Role.AUDITOR))
    import datetime as dt

    def iso(ms: int) -> str:
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()

    answer = client.get(
        "/api/v1/metrics/series",
        params={
            "host": enrolled.host.name,
            "metric": "node_cpu_seconds_total",
            "start": iso(first),
            "end": iso(first + 20_000),
            "step_s": 10,
        },
        headers=reader,
    )
    assert answer.status_code == 200, answer.text
    found = {s["labels"]["mode"]: [v for _t, v in s["points"]] for s in answer.json()}
    assert found == {"m0": [1.5, 2.5, 3.5], "m1": [2.5, 3.5, 4.5]}
    naive = client.get(
        "/api/v1/metrics/series",
        params={
            "host": enrolled.host.name,
            "metric": "node_load1",
            "start": "2026-01-01T00:00",
            "end": "2026-01-01T01:00",
        },
        headers=reader,
    )
    assert naive.status_code == 422
    assert "zone" in naive.text
    department = factories.bearer(
        session,
        factories.user(session, role=Role.DEPARTMENT_USER, dept=factories.department(session)),
    )
    assert (
        client.get(
            "/api/v1/metrics/series",
            params={"host": "x", "metric": "m", "start": iso(first), "end": iso(first)},
            headers=department,
        ).status_code
        == 403
    )

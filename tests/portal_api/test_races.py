"""Identical creations racing each other: one wins, the others get a 409 naming the field."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from infra.tenancy.models import Department, Quota, User
from tests import factories

RACERS = 6


def _race(app: FastAPI, path: str, body: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    start = threading.Barrier(RACERS)
    answers: list[Any] = []

    def racer() -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            start.wait()
            answers.append(client.post(path, json=body, headers=headers))

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.parametrize(
    ("path", "model", "body", "fields"),
    [
        (
            "/api/v1/quotas",
            Quota,
            {"resource": "vcpu", "zone": "extranet", "limit": 8},
            {"resource", "department_id", "zone"},
        ),
        (
            "/api/v1/departments",
            Department,
            {"code": "archives", "name": "档案局", "kind": "department"},
            {"code"},
        ),
        (
            "/api/v1/users",
            User,
            {
                "username": "twin",
                "display_name": "Twin",
                "password": "long-enough-pw",
                "role": "auditor",
            },
            {"username"},
        ),
    ],
    ids=["quota", "department", "user"],
)
def test_identical_creations_racing(
    app: FastAPI,
    session: Session,
    path: str,
    model: type[Any],
    body: dict[str, Any],
    fields: set[str],
) -> None:
    w = factories.world(session)
    body = {**body, "department_id": w.own.id} if model is Quota else body
    body = {**body, "parent_id": w.city.id} if model is Department else body
    headers = w.headers[Role.OPERATOR]
    with TestClient(app) as client:  # the token's first use is recorded now, not in the race
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    session.rollback()
    before = session.scalar(select(func.count()).select_from(model)) or 0
    answers = _race(app, path, body, headers)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (RACERS - 1), [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            named = {f["field"] for f in answer.json()["fields"]}
            assert named, answer.text
            assert named <= fields, answer.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(model)) == before + 1

"""The assessment API: provider scoping (a provider sees only its own), who drafts, comments,
adjusts and signs, departments answering their own survey, bad input named by field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from infra.inventory import service as inventory
from infra.inventory.schemas import ProviderCreate
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from monitoring.assessment.models import ProviderAssessment
from tests import factories


def _setup(session: Session) -> tuple[factories.World, int, int, dict[str, str], dict[str, str]]:
    w = factories.world(session)
    a = inventory.create_provider(
        session, data=ProviderCreate(code="pa", name="甲云"), actor=factories.SYSTEM
    )
    b = inventory.create_provider(
        session, data=ProviderCreate(code="pb", name="乙云"), actor=factories.SYSTEM
    )
    session.commit()
    rep_a = factories.user(session, role=Role.PROVIDER_REP)
    rep_b = factories.user(session, role=Role.PROVIDER_REP)
    session.execute(update(User).where(User.id == rep_a.id).values(provider_id=a.id))
    session.execute(update(User).where(User.id == rep_b.id).values(provider_id=b.id))
    session.commit()
    return w, a.id, b.id, factories.bearer(session, rep_a), factories.bearer(session, rep_b)


def test_provider_scope_and_roles(client: TestClient, session: Session) -> None:
    """Provider A's representative sees A's assessment and gets 404 for B's, and the list holds
    only A's; a department user may not read assessments (403); the operator drafts but may
    not sign (403); only the manager signs, and only after the comment window."""
    w, a, b, rep_a, _ = _setup(session)
    operator, manager = w.headers[Role.OPERATOR], w.headers[Role.MANAGER]
    made = {}
    for provider in (a, b):
        answer = client.post(
            "/api/v1/assessments/drafts",
            json={"provider_id": provider, "quarter": "2026Q2"},
            headers=operator,
        )
        assert answer.status_code == 201, answer.text
        made[provider] = answer.json()["id"]
    assert client.get(f"/api/v1/assessments/{made[a]}", headers=rep_a).status_code == 200
    assert client.get(f"/api/v1/assessments/{made[b]}", headers=rep_a).status_code == 404
    listed = client.get("/api/v1/assessments", headers=rep_a).json()
    assert [row["provider_id"] for row in listed] == [a]
    assert len(client.get("/api/v1/assessments?quarter=2026Q2", headers=manager).json()) == 2
    assert (
        client.get("/api/v1/assessments", headers=w.headers[Role.DEPARTMENT_USER]).status_code
        == 403
    )
    comment = client.post(
        f"/api/v1/assessments/{made[b]}/comments",
        json={"kind": "appeal", "body": "not yours"},
        headers=rep_a,
    )
    assert comment.status_code == 404
    appeal = client.post(
        f"/api/v1/assessments/{made[a]}/comments",
        json={"kind": "appeal", "body": "The outage was a carrier fault."},
        headers=rep_a,
    )
    assert appeal.status_code == 201, appeal.text
    assert client.post(f"/api/v1/assessments/{made[a]}/sign", headers=operator).status_code == 403
    early = client.post(f"/api/v1/assessments/{made[b]}/sign", headers=manager)
    assert early.status_code == 409
    assert early.json()["fields"][0]["field"] == "status"
    session.execute(
        update(ProviderAssessment).values(comments_close_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    )
    session.commit()
    signed = client.post(f"/api/v1/assessments/{made[b]}/sign", headers=manager)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    waiting = client.post(f"/api/v1/assessments/{made[a]}/sign", headers=manager)
    assert waiting.status_code == 409  # the appeal awaits a reply


def test_adjustment_and_survey_bad_input_named(client: TestClient, session: Session) -> None:
    w, a, _, _, _ = _setup(session)
    manager = w.headers[Role.MANAGER]
    made = client.post(
        "/api/v1/assessments/drafts",
        json={"provider_id": a, "quarter": "2026Q2"},
        headers=w.headers[Role.OPERATOR],
    ).json()["id"]
    bad = client.post(
        f"/api/v1/assessments/{made}/adjustment",
        json={"points": 11.5, "reason": "short"},
        headers=manager,
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {"points", "reason"}
    ok = client.post(
        f"/api/v1/assessments/{made}/adjustment",
        json={"points": "-2.50", "reason": "Late incident report found in the ticket log"},
        headers=manager,
    )
    assert ok.status_code == 200, ok.text
    assert Decimal(ok.json()["score"]) == Decimal(ok.json()["computed_score"]) - Decimal("2.5")
    survey = {"provider_id": a, "quarter": "2026Q2", "answers": {"attitude": 5}}
    refused = client.post(
        "/api/v1/assessments/surveys", json=survey, headers=w.headers[Role.DEPARTMENT_ADMIN]
    )
    assert refused.status_code == 422
    assert "answers.response" in {f["field"] for f in refused.json()["fields"]}
    survey["answers"] = dict.fromkeys(
        ("attitude", "response", "resolution", "delivery", "communication"), 4
    )
    answered = client.post(
        "/api/v1/assessments/surveys", json=survey, headers=w.headers[Role.DEPARTMENT_ADMIN]
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["department_id"] == w.own.id
    quarter = client.get("/api/v1/assessments?quarter=2026-Q2", headers=manager)
    assert quarter.status_code == 422
    assert quarter.json()["fields"][0]["field"] == "quarter"

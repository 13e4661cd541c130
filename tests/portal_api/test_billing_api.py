"""Billing over HTTP: scoping (own bills, own settlements, finance everything) and bad input
(overlapping versions, negative prices, unknown units, floats → 4xx naming the field, nothing
written)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.invoices.flows import close_month
from billing.ratecards.models import RateCardVersion
from infra.tenancy.enums import Role
from tests import factories
from tests.billing import factories as bf

V1 = "/api/v1/billing"


def _city(session: Session) -> tuple[factories.World, bf.Billing]:
    w = factories.world(session)
    provider, host = bf.provider_with_host(session)
    other_provider, _ = bf.provider_with_host(session, fee="5000.00")
    from billing.ratecards.service import load_default_card

    load_default_card(session, actor=bf.SYSTEM, provider_ids=[provider.id, other_provider.id])
    rep = w.users[Role.PROVIDER_REP]
    rep.provider_id = provider.id
    session.commit()
    for dept in (w.own, w.other):
        bf.allocate(session, department=dept, host=host, start=bf.at(2026, 9, 3))
    close_month(session, month=dt.date(2026, 9, 1), actor=bf.SYSTEM, now=bf.at(2026, 11, 1))
    session.commit()
    return w, bf.Billing(provider, host, [w.own, w.other])


def test_scoping_of_bills_and_settlements(session: Session, client: TestClient) -> None:
    """Catches a department seeing another's bill, a provider seeing another's settlement,
    and finance missing anything."""
    w, world = _city(session)
    own = client.get(f"{V1}/invoices", headers=w.headers[Role.DEPARTMENT_USER]).json()
    assert {i["department_id"] for i in own} == {w.own.id}
    everything = client.get(f"{V1}/invoices", headers=w.headers[Role.FINANCE]).json()
    assert {i["department_id"] for i in everything} == {w.own.id, w.other.id}
    theirs = next(i for i in everything if i["department_id"] == w.other.id)
    got = client.get(f"{V1}/invoices/{theirs['id']}", headers=w.headers[Role.DEPARTMENT_USER])
    assert got.status_code == 404

    mine = next(i for i in everything if i["department_id"] == w.own.id)
    csv = client.get(f"{V1}/invoices/{mine['id']}/csv", headers=w.headers[Role.DEPARTMENT_USER])
    assert hashlib.sha256(csv.content).hexdigest() == mine["content_hash"]

    rep = client.get(f"{V1}/settlements", headers=w.headers[Role.PROVIDER_REP]).json()
    assert {s["provider_id"] for s in rep} == {world.provider.id}
    assert rep[0]["factor_reason"] == "no signed assessment"
    finance = client.get(f"{V1}/settlements", headers=w.headers[Role.FINANCE]).json()
    assert len(finance) == 2
    assert client.get(f"{V1}/invoices", headers=w.headers[Role.PROVIDER_REP]).status_code == 403
    assert (
        client.get(f"{V1}/settlements", headers=w.headers[Role.DEPARTMENT_ADMIN]).status_code == 403
    )

    focus = client.get(
        f"{V1}/export/focus?first=2026-09-01&last=2026-09-30",
        headers=w.headers[Role.DEPARTMENT_USER],
    )
    assert focus.status_code == 200
    assert w.other.code not in focus.text
    assert w.own.code in focus.text
    svg = client.get(f"{V1}/charts/by-service.svg", headers=w.headers[Role.DEPARTMENT_USER])
    assert svg.text.startswith("<svg")


GOOD: dict[str, Any] = {
    "name": "2027 card",
    "effective_from": "2027-01-01",
    "lines": [{"service": "ecs_vcpu", "unit": "vcpu_hour", "tiers": [{"unit_price": "0.0700"}]}],
}


def _bad(path: list[Any], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(GOOD)
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_bad(["lines", 0, "tiers", 0, "unit_price"], "-0.01"), "unit_price"),
        (_bad(["lines", 0, "tiers", 0, "unit_price"], 0.07), "unit_price"),
        (_bad(["lines", 0, "unit"], "furlong_hour"), "unit"),
        (_bad(["lines", 0, "unit"], "gib_hour"), "unit"),
        (_bad(["effective_from"], "2026-03-01"), "effective_from"),
        (_bad(["lines", 0, "fixed_monthly"], 12.5), "fixed_monthly"),
    ],
    ids=["negative", "float", "unknown-unit", "wrong-unit", "overlap", "float-fixed"],
)
def test_bad_rate_cards_are_refused_naming_the_field(
    session: Session, client: TestClient, body: dict[str, Any], field: str
) -> None:
    """Each bad card gets a 4xx whose body names the field, and no version is written."""
    w = factories.world(session)
    from billing.ratecards.service import load_default_card

    load_default_card(session, actor=bf.SYSTEM)
    session.commit()
    before = session.scalar(select(func.count()).select_from(RateCardVersion))
    got = client.post(f"{V1}/rate-cards", json=body, headers=w.headers[Role.FINANCE])
    assert got.status_code in (409, 422), got.text
    assert field in got.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(RateCardVersion)) == before
    ok = client.post(f"{V1}/rate-cards", json=GOOD, headers=w.headers[Role.FINANCE])
    assert ok.status_code == 201, ok.text
    assert ok.json()["version"] == 3

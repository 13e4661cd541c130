"""``govcloud events list|deliver|redeliver`` against the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.events.types import Event, Subscription
from infra.provisioning.models import StackState
from infra.tenancy.enums import DepartmentKind
from infra.tenancy.events import QuotaChanged
from portal_api.events import cli as cli_events
from tests import factories
from tests.cli import run_cli


def test_deliver_then_list_shows_the_quota_subscription_delivered(
    database_url: str, session: Session
) -> None:
    city = factories.department(session, kind=DepartmentKind.CITY)
    dept = factories.department(session, parent=city)
    factories.quota(session, dept=dept)
    delivered = run_cli(database_url, "events", "deliver")
    assert delivered.exit_code == 0, delivered.output
    assert "1 delivered" in delivered.output
    session.rollback()
    state = session.scalar(select(StackState).where(StackState.department_id == dept.id))
    assert state is not None
    assert state.out_of_date
    listed = run_cli(database_url, "events", "list")
    assert listed.exit_code == 0, listed.output
    assert "tenancy.quota.changed" in listed.output
    assert "provisioning.stack_out_of_date" in listed.output


def test_a_failing_delivery_is_listed_with_its_error_and_redelivered(
    database_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = {"down": True}

    def handler(_session: Session, _event: Event) -> None:
        if broken["down"]:
            raise RuntimeError("metering is down")

    subscription = Subscription(name="tests.flaky", event=QuotaChanged, handler=handler)
    monkeypatch.setattr(cli_events, "SUBSCRIPTIONS", (subscription,))
    city = factories.department(session, kind=DepartmentKind.CITY)
    factories.quota(session, dept=factories.department(session, parent=city))
    assert "1 failed" in run_cli(database_url, "events", "deliver").output
    listed = run_cli(database_url, "events", "list", "--status", "retrying")
    assert "metering is down" in listed.output
    assert "tests.flaky" in listed.output
    assert "0 delivered" in run_cli(database_url, "events", "deliver").output  # backoff
    broken["down"] = False
    session.rollback()
    from infra.events.models import OutboxEvent

    event_id = session.scalars(select(OutboxEvent.id)).one()
    again = run_cli(database_url, "events", "redeliver", str(event_id))
    assert again.exit_code == 0, again.output
    assert "1 deliveries" in again.output
    assert "1 delivered" in again.output


def test_user_create_binds_a_provider_rep_to_its_provider(
    database_url: str, session: Session
) -> None:
    provider = factories.make_provider(session)
    env = {"GOVCLOUD_NEW_PASSWORD": "a long enough password"}
    base = ["user", "create", "--username", "rep", "--role", "provider_rep"]
    refused = run_cli(database_url, *base, env=env)
    assert refused.exit_code != 0
    assert "provider_id" in refused.output
    made = run_cli(database_url, *base, "--provider", provider.code, env=env)
    assert made.exit_code == 0, made.output
    session.rollback()
    from infra.tenancy.models import User

    rep = session.scalars(select(User).where(User.username == "rep")).one()
    assert rep.provider_id == provider.id

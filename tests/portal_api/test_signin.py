"""Sign-in as a government system needs it: throttling, sessions and tokens that end when they
should, a password policy.  Each test names what it caught before its fix (each was run against
the code before the change and failed there)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.tenancy import accounts
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from infra.tenancy.passwords import common_passwords, password_problem
from infra.tenancy.schemas import UserUpdate
from infra.tenancy.scope import Scope
from infra.tenancy.signin_models import SignInAttempt
from portal_api.demo import DEMO_PASSWORD
from tests import factories
from tests.portal_api.web.conftest import csrf_in, sign_in

TOKEN_URL = "/api/v1/auth/token"
SYSTEM = factories.SYSTEM


@pytest.fixture
def world(session: Session) -> factories.World:
    return factories.world(session)


def _token(client: TestClient, username: str, password: str) -> int:
    body = {"username": username, "password": password, "name": "t"}
    return client.post(TOKEN_URL, json=body).status_code


def test_wrong_passwords_lock_the_account_with_429_and_an_audit_notice(
    client: TestClient, world: factories.World, session: Session
) -> None:
    """Before: 30 wrong passwords then the right one gave 201 — nothing counted attempts."""
    user = world.users[Role.OPERATOR]
    for _ in range(5):
        assert _token(client, user.username, "wrong-password-xx") == 401
    response = client.post(
        TOKEN_URL, json={"username": user.username, "password": factories.PASSWORD, "name": "t"}
    )
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    body = response.json()
    assert body["error"] == "too_many_attempts"
    assert body["fields"][0]["field"] == "username"
    lockouts = session.scalars(select(AuditEntry).where(AuditEntry.action == "lockout")).all()
    assert [entry.entity_id for entry in lockouts] == [f"account:{user.username}"]
    # Another account from the same address is not locked out by this one's failures.
    assert _token(client, world.users[Role.AUDITOR].username, factories.PASSWORD) == 201


def test_the_lock_lifts_when_the_failures_leave_the_window(
    client: TestClient, world: factories.World, session: Session
) -> None:
    user = world.users[Role.OPERATOR]
    for _ in range(5):
        _token(client, user.username, "wrong-password-xx")
    assert _token(client, user.username, factories.PASSWORD) == 429
    for attempt in session.scalars(select(SignInAttempt)):
        attempt.at -= dt.timedelta(minutes=16)
    session.commit()
    assert _token(client, user.username, factories.PASSWORD) == 201


def test_one_address_trying_many_accounts_is_throttled(
    client: TestClient, world: factories.World
) -> None:
    """Before: guessing across accounts from one address was never slowed down."""
    for n in range(20):
        assert _token(client, f"nobody-{n}", "wrong-password-xx") == 401
    response = client.post(
        TOKEN_URL,
        json={
            "username": world.users[Role.AUDITOR].username,
            "password": factories.PASSWORD,
            "name": "t",
        },
    )
    assert response.status_code == 429
    assert response.json()["fields"][0]["field"] == "source"
    assert int(response.headers["retry-after"]) > 0


def test_the_sign_in_form_is_throttled_too(client: TestClient, world: factories.World) -> None:
    """Before: the form accepted the right password after any number of wrong ones."""
    user = world.users[Role.OPERATOR]

    def post(password: str) -> tuple[int, str]:
        token = csrf_in(client.get("/login").text)
        data = {"csrf": token, "username": user.username, "password": password}
        response = client.post("/login", data=data, follow_redirects=False)
        return response.status_code, response.headers.get("retry-after", "")

    for _ in range(5):
        assert post("wrong-password-xx")[0] == 401
    status, retry = post(factories.PASSWORD)
    assert status == 429
    assert int(retry) > 0


def test_a_nul_in_the_anonymous_login_is_refused_not_stored(client: TestClient) -> None:
    """Before: on PostgreSQL a NUL in the username reached the database and answered 500."""
    response = client.post(TOKEN_URL, json={"username": "op\u0000", "password": "x", "name": "t"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "username"


def test_logout_ends_the_session_on_the_server(client: TestClient, world: factories.World) -> None:
    """Before: logout only asked the browser to forget the cookie; a copy of it kept working
    for its whole 8 hours."""
    csrf = sign_in(client, world.users[Role.OPERATOR])
    from portal_api.web import cookies

    copied = client.cookies[cookies.SESSION_COOKIE]
    assert client.get("/", follow_redirects=False).status_code == 200
    client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    client.cookies.set(cookies.SESSION_COOKIE, copied)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_password_change_voids_tokens_and_sessions(
    client: TestClient, world: factories.World, session: Session
) -> None:
    """Before: API tokens survived a password change (only page sessions were voided)."""
    user = world.users[Role.OPERATOR]
    headers = world.headers[Role.OPERATOR]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    accounts.update_user(
        session,
        scope=Scope.everything(),
        user_id=user.id,
        data=UserUpdate(password="a-new-and-long-password"),
        actor=SYSTEM,
    )
    session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    fresh = _token(client, user.username, "a-new-and-long-password")
    assert fresh == 201


def test_reactivation_does_not_revive_old_tokens(
    client: TestClient, world: factories.World, session: Session
) -> None:
    """Before: deactivating a user hid their tokens, and reactivating brought them back."""
    user = world.users[Role.OPERATOR]
    headers = world.headers[Role.OPERATOR]
    for active in (False, True):
        accounts.update_user(
            session,
            scope=Scope.everything(),
            user_id=user.id,
            data=UserUpdate(is_active=active),
            actor=SYSTEM,
        )
        session.commit()
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert _token(client, user.username, factories.PASSWORD) == 201  # signing in works again


def test_the_password_policy(client: TestClient, world: factories.World) -> None:
    """Before: length ≥ 8 was the only rule (``12345678``, ``password``, the username passed)."""
    admin = world.headers[Role.OPERATOR]

    def create(username: str, password: str) -> tuple[int, str]:
        body = {
            "username": username,
            "display_name": "x",
            "password": password,
            "role": "operator",
        }
        response = client.post("/api/v1/users", json=body, headers=admin)
        fields = response.json().get("fields") or [{}]
        return response.status_code, fields[0].get("message", "")

    assert create("policy-a", "12345678") == (422, "String should have at least 12 characters")
    assert create("policy-b", "password1234")[1] == "is a well-known password: choose another"
    assert create("policy-c", "qwertyuiop12")[0] == 422
    assert create("policy-d", "policy-d-is-my-name")[1] == "must not contain the username"
    assert create("policy-e", "aaaaaaaaaaaaaaa")[0] == 422
    assert create("policy-f", "tram-lantern-47")[0] == 201


def test_the_demo_password_meets_the_policy() -> None:
    assert password_problem(DEMO_PASSWORD, username="operator") is None
    assert DEMO_PASSWORD not in common_passwords()
    assert len(common_passwords()) > 300


def test_users_keep_their_own_epoch(session: Session, world: factories.World) -> None:
    """Tokens carry the epoch they were issued at (what binds them to the credential)."""
    user = session.get_one(User, world.users[Role.AUDITOR].id)
    token, _ = accounts.issue_token(
        session, user=user, name="x", expires_in_days=None, actor=SYSTEM
    )
    assert token.credential_epoch == user.session_epoch

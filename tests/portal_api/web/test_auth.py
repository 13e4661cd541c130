"""Signing in and out, the session cookie's rules, and CSRF on every form."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response as StarletteResponse

from infra.database import session_scope
from infra.jobs.runner import InProcessBackend
from infra.settings import get_settings
from infra.tenancy import accounts
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from infra.tenancy.schemas import UserUpdate
from infra.tenancy.signin import open_web_session
from portal_api.app import create_app
from portal_api.web import cookies
from tests import factories
from tests.portal_api.web.conftest import csrf_in, sign_in


def _login_post(client: TestClient, username: str, password: str, **extra: str) -> Response:
    token = csrf_in(client.get("/login").text)
    data = {"csrf": token, "username": username, "password": password, **extra}
    return client.post("/login", data=data, follow_redirects=False)


def test_pages_redirect_to_login_with_next(client: TestClient) -> None:
    response = client.get("/quotas?zone=extranet", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/quotas%3Fzone%3Dextranet"


def test_login_good(client: TestClient, world: factories.World) -> None:
    operator = world.users[Role.OPERATOR]
    response = _login_post(client, operator.username, factories.PASSWORD, next="/quotas")
    assert response.status_code == 303
    assert response.headers["location"] == "/quotas"
    set_cookie = response.headers["set-cookie"].lower()
    assert cookies.SESSION_COOKIE in set_cookie
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    page = client.get("/")
    assert page.status_code == 200
    assert operator.display_name in page.text


def test_login_bad_password(client: TestClient, world: factories.World) -> None:
    response = _login_post(client, world.users[Role.OPERATOR].username, "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert cookies.SESSION_COOKIE not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_refuses_a_foreign_next(client: TestClient, world: factories.World) -> None:
    operator = world.users[Role.OPERATOR]
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        response = _login_post(client, operator.username, factories.PASSWORD, next=target)
        assert response.headers["location"] == "/"


def test_login_form_needs_its_csrf_token(client: TestClient, world: factories.World) -> None:
    client.get("/login")
    operator = world.users[Role.OPERATOR]
    data = {"username": operator.username, "password": factories.PASSWORD}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    forged = client.post("/login", data={**data, "csrf": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert cookies.SESSION_COOKIE not in client.cookies


def test_logout_is_a_post_with_csrf(client: TestClient, world: factories.World) -> None:
    csrf = sign_in(client, world.users[Role.AUDITOR])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    response = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert cookies.SESSION_COOKIE not in client.cookies
    assert "您已退出登录" in client.get("/login").text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_post_without_csrf_is_refused_and_writes_nothing(
    client: TestClient, session: Session, world: factories.World
) -> None:
    quota = factories.quota(session, dept=world.own, limit=10)
    csrf = sign_in(client, world.users[Role.OPERATOR])
    for data in ({"limit": "20"}, {"limit": "20", "csrf": csrf[:-1] + "x"}):
        response = client.post(f"/quotas/{quota.id}/edit", data=data)
        assert response.status_code == 403
    session.refresh(quota)
    assert quota.limit == 10


def test_a_new_password_voids_earlier_sessions(
    client: TestClient, session: Session, world: factories.World
) -> None:
    user = world.users[Role.DEPARTMENT_USER]
    sign_in(client, user)
    accounts.update_user(
        session,
        scope=factories.EVERYTHING,
        user_id=user.id,
        data=UserUpdate(password="another-long-password"),
        actor=factories.SYSTEM,
    )
    session.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    assert cookies.SESSION_COOKIE not in client.cookies  # the void cookie is cleared


def test_an_inactive_user_is_signed_out(
    client: TestClient, session: Session, world: factories.World
) -> None:
    user = world.users[Role.FINANCE]
    sign_in(client, user)
    session.get_one(User, user.id).is_active = False  # even without the epoch bump
    session.commit()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_void(client: TestClient, world: factories.World) -> None:
    sign_in(client, world.users[Role.OPERATOR])
    value = client.cookies[cookies.SESSION_COOKIE]
    assert client.get("/", follow_redirects=False).status_code == 200
    flipped = value[:3] + ("A" if value[3] != "A" else "B") + value[4:]
    client.cookies.clear()
    client.cookies.set(cookies.SESSION_COOKIE, flipped)
    assert client.get("/", follow_redirects=False).status_code == 303


def _session_cookie(client: TestClient, user: User, *, issued: int | None = None) -> str:
    """A session cookie for ``user`` as the app makes it, optionally signed at ``issued``."""
    settings = client.app.state.settings  # type: ignore[attr-defined]
    response = StarletteResponse()
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        sid = open_web_session(session, user=session.get_one(User, user.id))
    with pytest.MonkeyPatch.context() as patched:
        if issued is not None:
            patched.setattr(TimestampSigner, "get_timestamp", lambda _self: issued)
        cookies.start_session(response, settings, sid=sid, uid=user.id, epoch=user.session_epoch)
    return response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]


def test_an_expired_session_is_void(client: TestClient, world: factories.World) -> None:
    user = world.users[Role.OPERATOR]
    max_age = client.app.state.settings.web.session_max_age_s  # type: ignore[attr-defined]
    client.cookies.set(cookies.SESSION_COOKIE, _session_cookie(client, user))
    assert client.get("/", follow_redirects=False).status_code == 200
    old = _session_cookie(client, user, issued=int(time.time()) - max_age - 5)
    client.cookies.set(cookies.SESSION_COOKIE, old)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_cookies_are_secure_when_configured(
    session_factory: sessionmaker[Session], job_backend: InProcessBackend, world: factories.World
) -> None:
    base = get_settings()
    settings = base.model_copy(update={"web": base.web.model_copy(update={"secure_cookies": True})})
    app = create_app(settings, session_factory)
    with TestClient(app, base_url="https://testserver") as client:
        login_page = client.get("/login")
        assert "; secure" in login_page.headers["set-cookie"].lower()
        response = _login_post(client, world.users[Role.OPERATOR].username, factories.PASSWORD)
        session_cookie = next(
            value
            for value in response.headers.get_list("set-cookie")
            if value.startswith(cookies.SESSION_COOKIE)
        )
        assert "; secure" in session_cookie.lower()

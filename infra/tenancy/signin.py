"""Signing in: throttling per account and per source address, and server-side web sessions.

Attempts are rows (``signin_attempts``), so every process of the app counts the same ones. A
failed attempt is committed before the refusal is raised: the request's rollback must not
erase the evidence.  When an account or an address reaches its limit, the audit log says so.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import utcnow
from infra.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from infra.settings import get_settings
from infra.tenancy.accounts import authenticate
from infra.tenancy.models import User
from infra.tenancy.signin_models import SignInAttempt, WebSession
from infra.text import text_problem

WRONG = "password: wrong username or password, or the account is disabled"


def _window() -> tuple[dt.timedelta, int, int]:
    security = get_settings().security
    return (
        dt.timedelta(seconds=security.signin_window_s),
        security.signin_failures_per_account,
        security.signin_failures_per_source,
    )


def _retry_after(
    session: Session, column: InstrumentedAttribute[str], value: str, limit: int
) -> int | None:
    """Seconds until ``value`` may try again, or None when it is under its limit."""
    window, _, _ = _window()
    now = utcnow()
    recent = list(
        session.scalars(
            select(SignInAttempt.at)
            .where(column == value, SignInAttempt.succeeded.is_(False))
            .where(SignInAttempt.at > now - window)
            .order_by(SignInAttempt.at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return None
    return max(1, math.ceil((recent[-1] + window - now).total_seconds()))


def check_throttle(session: Session, *, username: str, source: str) -> None:
    """Refuse (429 with Retry-After) an account or an address that failed too often lately."""
    _, per_account, per_source = _window()
    for field, column, value, limit in (
        ("username", SignInAttempt.username, username, per_account),
        ("source", SignInAttempt.source, source, per_source),
    ):
        wait = _retry_after(session, column, value, limit)
        if wait is not None:
            what = "this account" if field == "username" else "this address"
            raise TooManyAttempts(
                f"{field}: too many failed sign-ins for {what}; try again in {wait} s",
                retry_after=wait,
            )


def sign_in(session: Session, *, username: str, password: str, source: str) -> User:
    """The user these credentials name, or a refusal: 422 for unstorable text, 429 while
    throttled, 401 for wrong credentials (the failure committed first)."""
    for field, value in (("username", username), ("password", password)):
        problem = text_problem(value)
        if problem or len(value) > 256:
            raise InvalidInput.one(field, problem or "at most 256 characters")
    name = username.strip().lower()[:64]
    source = source[:64]
    check_throttle(session, username=name, source=source)
    user = authenticate(session, username=name, password=password)
    if user is None:
        _record_failure(session, username=name, source=source)
        session.commit()  # the refusal below rolls back; the attempt must stay
        raise NotAuthenticated(WRONG)
    session.execute(
        delete(SignInAttempt).where(
            SignInAttempt.username == name, SignInAttempt.succeeded.is_(False)
        )
    )
    return user


def _record_failure(session: Session, *, username: str, source: str) -> None:
    window, per_account, per_source = _window()
    session.add(SignInAttempt(username=username, source=source, at=utcnow(), succeeded=False))
    session.flush()
    since = utcnow() - window
    for column, value, limit, what in (
        (SignInAttempt.username, username, per_account, "account"),
        (SignInAttempt.source, source, per_source, "source"),
    ):
        failures = session.scalar(
            select(func.count())
            .select_from(SignInAttempt)
            .where(column == value, SignInAttempt.succeeded.is_(False), SignInAttempt.at > since)
        )
        if failures == limit:  # the attempt that locks it: say so once
            user = session.scalar(select(User).where(User.username == username))
            record(
                session,
                actor=Actor.system("signin"),
                action="lockout",
                entity="signin",
                entity_id=f"{what}:{value}",
                after={
                    "username": username,
                    "source": source,
                    "failures": limit,
                    "window_s": int(window.total_seconds()),
                },
                department_id=user.department_id if user is not None else None,
            )


# -- web sessions --------------------------------------------------------------------------


def open_web_session(session: Session, *, user: User) -> str:
    """A new server-side session for ``user``; its id goes into the signed cookie."""
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(id=sid, user_id=user.id, epoch=user.session_epoch))
    session.flush()
    return sid


def web_session_valid(session: Session, *, sid: str, user: User) -> bool:
    """Whether the cookie's session is still open, for this user, at their current epoch."""
    row = session.get(WebSession, sid)
    return (
        row is not None
        and row.ended_at is None
        and row.user_id == user.id
        and row.epoch == user.session_epoch
    )


def end_web_session(session: Session, *, sid: str) -> None:
    """Logout: the session's cookie is void from now on, wherever it was copied to."""
    session.execute(
        update(WebSession)
        .where(WebSession.id == sid, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )

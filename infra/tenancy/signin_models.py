"""Sign-in state kept server-side: failed attempts (throttling) and web sessions (logout)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow


class SignInAttempt(Base):
    """One sign-in attempt, kept for the throttling window (in the database, so every process
    of the app counts the same attempts)."""

    __tablename__ = "signin_attempts"
    __table_args__ = (
        Index("ix_signin_attempts_username_at", "username", "at"),
        Index("ix_signin_attempts_source_at", "source", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A signed-in browser: the cookie names this row; logout ends it."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

"""Departments, users, quotas and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.zones import NetworkZone


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[DepartmentKind] = mapped_column(enum_column(DepartmentKind))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # A provider representative speaks for one provider and sees only its data.
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or deactivation: every session cookie issued before is void.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    department: Mapped[Department | None] = relationship()


class Quota(Base):
    """The most a department may hold of one resource class in one network zone."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("department_id", "resource", "zone"),
        CheckConstraint("quota_limit >= 0", name="limit_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    resource: Mapped[ResourceClass] = mapped_column(enum_column(ResourceClass))
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone))
    limit: Mapped[int] = mapped_column("quota_limit", BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship()


class ApiToken(Base):
    """A bearer token for scripts and the CLI; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The user's ``session_epoch`` when issued: a password change or deactivation bumps it and
    # voids the token for good (reactivation does not bring the old number back).
    credential_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship()

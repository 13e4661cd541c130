"""Discovery's tables: credentials (sealed), host keys govcloud trusts, targets and their
latest facts, and dependency edges seen between targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow
from infra.discovery.enums import Reachability, TargetSource
from infra.enums import enum_column


class SshCredential(Base):
    """An SSH private key, Fernet-sealed (infra/discovery/secrets.py); only the fingerprint
    is ever shown."""

    __tablename__ = "ssh_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    username: Mapped[str] = mapped_column(String(64))
    sealed_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(80))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KnownHostKey(Base):
    """govcloud's known_hosts: a host whose key is not here (or differs) is refused."""

    __tablename__ = "ssh_known_host_keys"
    __table_args__ = (UniqueConstraint("address", "port", "key_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(253), index=True)
    port: Mapped[int] = mapped_column(Integer, default=22)
    key_type: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DiscoveryTarget(Base):
    """A legacy host to discover (entered, or imported from CSV) and its latest facts."""

    __tablename__ = "discovery_targets"
    __table_args__ = (
        UniqueConstraint("address", "port"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer, default=22)
    label: Mapped[str | None] = mapped_column(String(100))
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("ssh_credentials.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # The inventory's legacy server this target is (infra/inventory/models.py Host).
    host_id: Mapped[int | None] = mapped_column(
        ForeignKey("hosts.id", ondelete="SET NULL"), index=True
    )
    data_dirs: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[TargetSource] = mapped_column(
        enum_column(TargetSource), default=TargetSource.MANUAL
    )
    reachability: Mapped[Reachability] = mapped_column(
        enum_column(Reachability), default=Reachability.PENDING, index=True
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    hostname: Mapped[str | None] = mapped_column(String(253))
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    collected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # From CSV, for estates not reachable yet: what the department declared.
    declared: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DependencyEdge(Base):
    """``source`` was seen holding a connection to ``target``'s ``port``."""

    __tablename__ = "discovery_edges"
    __table_args__ = (UniqueConstraint("source_id", "target_id", "port"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("discovery_targets.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("discovery_targets.id", ondelete="CASCADE"), index=True
    )
    port: Mapped[int] = mapped_column(Integer)
    process: Mapped[str | None] = mapped_column(String(100))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

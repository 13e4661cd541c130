"""Targets, CSV import (all rows or none) and known_hosts import."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.discovery import service
from infra.discovery.enums import Reachability, TargetSource
from infra.discovery.models import DiscoveryTarget
from infra.discovery.schemas import CredentialCreate
from infra.errors import InvalidInput
from tests.factories import EVERYTHING, SYSTEM

GOOD = """address,port,label,data_dirs,os,vcpu,memory_gib,disk_gib
10.9.0.5,22,hr-app,/srv/hr;/var/lib/hr,CentOS 6,4,16,500
10.9.0.6,,hr-db,,,8,32,2000
"""


def test_csv_import_keeps_declared_facts(session: Session) -> None:
    made = service.import_targets_csv(session, text=GOOD, actor=SYSTEM, scope=EVERYTHING)
    session.commit()
    assert [(t.address, t.port, t.label) for t in made] == [
        ("10.9.0.5", 22, "hr-app"),
        ("10.9.0.6", 22, "hr-db"),
    ]
    first = made[0]
    assert first.source is TargetSource.CSV
    assert first.reachability is Reachability.PENDING
    assert first.data_dirs == ["/srv/hr", "/var/lib/hr"]
    assert first.declared == {"os": "CentOS 6", "vcpu": 4, "memory_gib": 16, "disk_gib": 500}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("address,colour\n10.1.1.1,red\n", "csv"),
        ("address,port\n10.1.1.1,70000\n", "line 2.port"),
        ("address,vcpu\n10.1.1.1,-3\n", "line 2"),
        ("address,data_dirs\n10.1.1.1,relative/path\n", "line 2.data_dirs"),
        ("address\n10.1.1.1\n10.1.1.1\n", "line 3.address"),
        ("address,credential\n10.1.1.1,nobody\n", "line 2"),
    ],
)
def test_csv_import_refuses_bad_rows_and_writes_nothing(
    session: Session, text: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.import_targets_csv(session, text=text, actor=SYSTEM, scope=EVERYTHING)
    assert caught.value.problems[0].field == field
    session.rollback()
    assert session.scalars(select(DiscoveryTarget)).all() == []


def test_a_bad_private_key_is_refused_by_name(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.create_credential(
            session, data=CredentialCreate(name="x", private_key="not a key"), actor=SYSTEM
        )
    assert caught.value.problems[0].field == "private_key"


def test_known_hosts_import_understands_ports(session: Session) -> None:
    key = "AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyFakeKeyFakeKeyFakeKeyFakeKeyFake"
    rows = service.import_known_hosts(
        session,
        text=f"# comment\n10.0.0.1 ssh-ed25519 {key}\n[10.0.0.2]:2222 ssh-ed25519 {key}\n",
        actor=SYSTEM,
    )
    assert [(r.address, r.port) for r in rows] == [("10.0.0.1", 22), ("10.0.0.2", 2222)]
    assert rows[0].fingerprint.startswith("SHA256:")
    with pytest.raises(InvalidInput):
        service.import_known_hosts(session, text="|1|hashed ssh-ed25519 AAAA\n", actor=SYSTEM)

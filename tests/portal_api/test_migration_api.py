"""Discovery and migration API: keys never come back, scope holds, long work is a job."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.tenancy.enums import Role
from tests import factories
from tests.infra.migration.builders import legacy_system


def _key(tmp_path: Path) -> str:
    path = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.read_text()


def test_a_credential_is_never_returned_or_audited(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    w = factories.world(session)
    op = w.headers[Role.OPERATOR]
    key = _key(tmp_path)
    created = client.post(
        "/api/v1/discovery/credentials",
        json={"name": "legacy-root", "private_key": key},
        headers=op,
    )
    assert created.status_code == 201, created.text
    assert set(created.json()) == {
        "id", "name", "username", "fingerprint", "department_id", "created_at",
    }  # fmt: skip
    listed = client.get("/api/v1/discovery/credentials", headers=op)
    body = key.split("\n")[1]
    assert body not in listed.text
    assert body not in created.text
    assert all(body not in str(e.after) for e in session.scalars(select(AuditEntry)))
    bad = client.post(
        "/api/v1/discovery/credentials", json={"name": "x", "private_key": "nope"}, headers=op
    )
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "private_key"
    denied = client.get("/api/v1/discovery/credentials", headers=w.headers[Role.DEPARTMENT_ADMIN])
    assert denied.status_code == 403


def test_targets_csv_and_sweep_is_a_job(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    op = w.headers[Role.OPERATOR]
    csv_text = f"address,label,department_id\n10.77.0.1,a,{w.own.id}\n10.77.0.2,b,{w.other.id}\n"
    imported = client.post(
        "/api/v1/discovery/targets/import",
        content=csv_text,
        headers=op | {"content-type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    mine = client.get("/api/v1/discovery/targets", headers=w.headers[Role.DEPARTMENT_USER]).json()
    assert [t["label"] for t in mine] == ["a"]
    other_id = imported.json()[1]["id"]
    hidden = client.get(
        f"/api/v1/discovery/targets/{other_id}", headers=w.headers[Role.DEPARTMENT_USER]
    )
    assert hidden.status_code == 404
    sweep = client.post("/api/v1/discovery/sweeps", json={"samples": 1}, headers=op)
    assert sweep.status_code == 202, sweep.text
    assert sweep.json()["events_url"].endswith("/stream")


def test_systems_are_scoped_and_dependencies_checked(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    mine = legacy_system(session, w.own)
    theirs = legacy_system(session, w.other)
    session.commit()
    user = w.headers[Role.DEPARTMENT_USER]
    listed = client.get("/api/v1/migration/systems", headers=user).json()
    assert [s["id"] for s in listed] == [mine.id]
    assert client.get(f"/api/v1/migration/systems/{theirs.id}", headers=user).status_code == 404
    op = w.headers[Role.OPERATOR]
    url = f"/api/v1/migration/systems/{mine.id}/dependencies"
    assert client.post(url, json={"depends_on_id": theirs.id}, headers=op).status_code == 201
    self_dep = client.post(url, json={"depends_on_id": mine.id}, headers=op)
    assert self_dep.status_code == 422
    assert self_dep.json()["fields"][0]["field"] == "depends_on_id"
    got = client.get(f"/api/v1/migration/systems/{mine.id}", headers=op).json()
    assert got["dependencies"] == [
        {"system_id": mine.id, "depends_on_id": theirs.id, "source": "declared", "ports": []}
    ]


def test_assess_then_the_department_signs_off(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    system = legacy_system(session, w.own)
    session.commit()
    op, admin = w.headers[Role.OPERATOR], w.headers[Role.DEPARTMENT_ADMIN]
    base = f"/api/v1/migration/systems/{system.id}"
    assessed = client.post(f"{base}/assess", headers=op).json()
    assert assessed["strategy"] == "retain"  # nothing discovered yet, and it says so
    assert "no discovery facts" in assessed["reasons"][0]
    assert client.post(f"{base}/sign-off", headers=op).status_code == 403
    signed = client.post(f"{base}/sign-off", headers=admin)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed_off"
    unsized = client.get(f"{base}/request-items", headers=admin)
    assert unsized.status_code == 409
    bad = client.post(f"{base}/override", json={"strategy": "rehost", "reason": "x"}, headers=op)
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "reason"
    waves = client.post("/api/v1/migration/waves", json={"starts_on": "2027-03-01"}, headers=op)
    assert waves.status_code == 422  # a retained system is not planned
    assert waves.json()["fields"][0]["field"] == "system_ids"

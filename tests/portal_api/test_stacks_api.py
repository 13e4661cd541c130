"""/api/v1/stacks: status, runs as jobs (202), rendered manifests, drift, permissions, scope."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.inventory.enums import NetworkZone
from infra.provisioning import flows
from infra.provisioning.pulumi_adapter import CLI_MISSING
from infra.tenancy.enums import ResourceClass, Role
from tests import factories


@pytest.fixture
def world(session: Session) -> factories.World:
    w = factories.world(session)
    factories.quota(session, dept=w.own, resource=ResourceClass.VCPU, limit=32)
    factories.quota(
        session, dept=w.own, resource=ResourceClass.PUBLIC_IP, zone=NetworkZone.INTERNET, limit=2
    )
    factories.quota(session, dept=w.other, resource=ResourceClass.VCPU, limit=8)
    return w


@pytest.fixture
def no_cli() -> Iterator[None]:
    previous = flows.set_cli_lookup(lambda _name: None)
    yield
    flows.set_cli_lookup(previous)


def _wait(client: TestClient, headers: dict[str, str], job_id: str) -> dict[str, object]:
    for _ in range(200):
        job: dict[str, object] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_department_members_see_only_their_stack(
    client: TestClient, world: factories.World
) -> None:
    own = client.get("/api/v1/stacks", headers=world.headers[Role.DEPARTMENT_USER]).json()
    assert [s["department_code"] for s in own] == [world.own.code]
    assert own[0]["zones"] == ["internet", "extranet"]
    assert own[0]["out_of_date"] is True
    assert own[0]["stack_name"] == f"dept-{world.own.code}"
    other = client.get(
        f"/api/v1/stacks/{world.other.id}", headers=world.headers[Role.DEPARTMENT_USER]
    )
    assert other.status_code == 404
    everything = client.get("/api/v1/stacks", headers=world.headers[Role.AUDITOR]).json()
    assert {s["department_code"] for s in everything} == {world.own.code, world.other.code}
    denied = client.get("/api/v1/stacks", headers=world.headers[Role.PROVIDER_REP])
    assert denied.status_code == 403


@pytest.mark.usefixtures("no_cli")
def test_a_run_answers_202_and_the_job_fails_plainly_without_the_cli(
    client: TestClient, world: factories.World
) -> None:
    headers = world.headers[Role.OPERATOR]
    response = client.post(
        f"/api/v1/stacks/{world.own.id}/runs", json={"operation": "preview"}, headers=headers
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["events_url"] == f"/api/v1/jobs/{accepted['job_id']}/stream"
    job = _wait(client, headers, accepted["job_id"])
    assert job["status"] == "failed"
    assert job["error"] == CLI_MISSING
    with client.stream("GET", accepted["events_url"], headers=headers) as stream:
        body = "".join(stream.iter_text())
    assert "pulumi CLI not found" in body
    assert 'event: end\ndata: {"status": "failed"}' in body
    stack = client.get(f"/api/v1/stacks/{world.own.id}", headers=headers).json()
    assert stack["last_status"] == "failed"
    assert stack["last_error"] == CLI_MISSING
    assert stack["last_job_id"] == accepted["job_id"]


def test_runs_need_their_own_permissions(client: TestClient, world: factories.World) -> None:
    for role in (Role.DEPARTMENT_ADMIN, Role.AUDITOR, Role.FINANCE):
        run = client.post(
            f"/api/v1/stacks/{world.own.id}/runs",
            json={"operation": "up"},
            headers=world.headers[role],
        )
        assert run.status_code == 403, role
        destroy = client.post(f"/api/v1/stacks/{world.own.id}/destroy", headers=world.headers[role])
        assert destroy.status_code == 403, role
    bad = client.post(
        f"/api/v1/stacks/{world.own.id}/runs",
        json={"operation": "destroy"},
        headers=world.headers[Role.OPERATOR],
    )
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "operation"
    missing = client.post(
        "/api/v1/stacks/999999/runs", json={"operation": "up"}, headers=world.headers[Role.OPERATOR]
    )
    assert missing.status_code == 404


def test_manifests_and_drift(client: TestClient, world: factories.World) -> None:
    headers = world.headers[Role.DEPARTMENT_USER]
    manifests = client.get(f"/api/v1/stacks/{world.own.id}/manifests", headers=headers)
    assert manifests.status_code == 200
    quotas = [m["object"] for m in manifests.json() if m["object"]["kind"] == "ResourceQuota"]
    hard = {q["metadata"]["namespace"]: q["spec"]["hard"] for q in quotas}
    assert hard[f"{world.own.code}-extranet"]["requests.cpu"] == "32"
    assert hard[f"{world.own.code}-internet"]["services.loadbalancers"] == "2"
    drift = client.get(f"/api/v1/stacks/{world.own.id}/drift", headers=headers)
    assert drift.status_code == 400
    assert drift.json()["message"].startswith("no cluster configured")

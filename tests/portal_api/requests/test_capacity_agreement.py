"""After a placement, ``/capacity``, ``/api/v1/inventory/capacity`` and ``govcloud inventory
capacity`` show the same allocated and free figures (one read model:
``infra.tenancy.requests.queries.shared_capacity``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from infra.database import reset_engine
from infra.inventory.models import Provider
from infra.settings import reset_settings
from infra.tenancy.enums import Role
from portal_api import clikit
from portal_api.cli import app
from tests import request_factories as rf
from tests.portal_api.web.conftest import sign_in
from tests.request_factories import Scene

API = "/api/v1/requests"
RESOURCES = ("vcpu", "memory_gib", "storage_gib")


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("GOVCLOUD_DATABASE_URL", database_url)
    monkeypatch.setattr(clikit.console, "width", 250)
    reset_settings()
    reset_engine()
    yield CliRunner()
    reset_engine()
    monkeypatch.undo()
    reset_settings()


def _place_40_vcpu(client: TestClient, scene: Scene) -> None:
    items = [
        rf.item(name="db-1", vcpu=16, memory_gib=64, storage_gib=500, anti_affinity_group="db"),
        rf.item(name="db-2", vcpu=16, memory_gib=64, storage_gib=500, anti_affinity_group="db"),
        rf.item(name="web", vcpu=8, memory_gib=32, storage_gib=100),
    ]
    made = client.post(
        API, json=rf.body(*items, submit=True), headers=scene.headers(Role.DEPARTMENT_USER)
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    for role in (Role.DEPARTMENT_ADMIN, Role.OPERATOR):
        signed = client.post(f"{API}/{request_id}/approve", json={}, headers=scene.headers(role))
        assert signed.status_code == 200, signed.text
    placed = client.post("/api/v1/placement?dry_run=false", headers=scene.headers(Role.OPERATOR))
    assert placed.status_code == 200, placed.text
    assert {line["request_id"] for line in placed.json()["placed"]} == {request_id}


def _page_pool(html: str, provider: str) -> dict[str, dict[str, int]]:
    row = html.split(f'id="pool-{provider}-extranet"')[1].split("</tr>")[0]
    cells = [int(c.replace(",", "")) for c in re.findall(r'<td class="num">([\d,]+)</td>', row)]
    figures = cells[1:]  # after the host count: total, allocatable, allocated, free per resource
    return {
        column: {r: figures[4 * n + k] for n, r in enumerate(RESOURCES)}
        for k, column in enumerate(("total", "allocatable", "allocated", "free"))
    }


def _cli_pool(output: str, provider: str) -> dict[str, dict[str, int]]:
    line = next(line for line in output.splitlines() if provider in line and "extranet" in line)
    found = re.findall(r"(\d+) allocated, (\d+) free / (\d+) of (\d+)", line)
    assert len(found) == 3, line
    return {
        column: {r: int(found[n][k]) for n, r in enumerate(RESOURCES)}
        for k, column in enumerate(("allocated", "free", "allocatable", "total"))
    }


def test_page_api_and_cli_agree_on_allocations_after_a_placement(
    cli: CliRunner, client: TestClient, session: Session, scene: Scene
) -> None:
    """Catches a surface that rolls capacity up without the allocations (the page once showed
    0 allocated while the API showed 40 vCPU)."""
    _place_40_vcpu(client, scene)
    provider_id = scene.cloud.hosts[0].provider_id
    provider = session.scalar(select(Provider.code).where(Provider.id == provider_id))
    assert provider is not None
    pools = client.get("/api/v1/inventory/capacity", headers=scene.headers(Role.OPERATOR))
    api = next(p for p in pools.json() if p["zone"] == "extranet" and p["provider"] == provider)
    assert api["allocated"] == {"vcpu": 40, "memory_gib": 160, "storage_gib": 1100}
    expected = {c: {r: api[c][r] for r in RESOURCES} for c in ("total", "allocatable", "allocated")}
    expected["free"] = {r: api["free"][r] for r in RESOURCES}

    shown = cli.invoke(app, ["inventory", "capacity"])
    assert shown.exit_code == 0, shown.output
    assert _cli_pool(shown.output, provider) == expected

    sign_in(client, scene.user(Role.OPERATOR))
    page = client.get("/capacity")
    assert page.status_code == 200
    assert _page_pool(page.text, provider) == expected

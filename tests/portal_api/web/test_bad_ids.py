"""Pages given ids and numbers beyond any database integer answer a 4xx page, never a 500."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from infra.tenancy.enums import Role
from tests import factories
from tests.portal_api.web.conftest import sign_in

HUGE = "9" * 25


@pytest.mark.parametrize(
    "path",
    [
        f"/quotas/{HUGE}/edit",
        f"/users/{HUGE}/edit",
        f"/departments/{HUGE}/edit",
        f"/quotas?offset={HUGE}",
    ],
)
def test_huge_ids_in_page_addresses(app: FastAPI, world: factories.World, path: str) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    sign_in(client, world.users[Role.OPERATOR])
    response = client.get(path)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "<nav" in response.text


@pytest.mark.parametrize("path", ["/quotas", "/users"])
def test_huge_or_malformed_ids_in_list_filters_are_refused_naming_the_filter(
    app: FastAPI, world: factories.World, path: str
) -> None:
    """Catches a list filter that 500s on a huge id, or silently drops a malformed one (the
    list would then show more than was asked for)."""
    client = TestClient(app, raise_server_exceptions=False)
    sign_in(client, world.users[Role.OPERATOR])
    for value in (HUGE, "police"):
        response = client.get(f"{path}?department_id={value}")
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "department_id" in response.text


def test_huge_ids_prefilling_a_form_are_ignored(app: FastAPI, world: factories.World) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    sign_in(client, world.users[Role.OPERATOR])
    assert client.get(f"/quotas/new?department_id={HUGE}").status_code == 200
    assert client.get("/quotas/new?department_id=police").status_code == 200


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/quotas/new", {"department_id": HUGE, "resource": "vcpu", "zone": "extranet"}),
        ("/departments/new", {"code": "archives", "name": "档案局", "kind": "section"}),
    ],
)
def test_huge_numbers_in_forms(
    app: FastAPI, world: factories.World, path: str, form: dict[str, str]
) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    csrf = sign_in(client, world.users[Role.OPERATOR])
    data = {"csrf": csrf, "limit": "5", "parent_id": HUGE, **form}
    response = client.post(path, data={k: v for k, v in data.items() if k in _fields(path)})
    assert response.status_code == 422, response.text
    assert "9,223,372,036,854,775,807" in response.text  # the form says what the limit is


def _fields(path: str) -> set[str]:
    if path.startswith("/quotas"):
        return {"csrf", "department_id", "resource", "zone", "limit"}
    return {"csrf", "code", "name", "kind", "parent_id"}

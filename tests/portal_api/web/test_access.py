"""Pages follow the API's rules: navigation by role, 403 for the wrong role, 404 outside scope."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from portal_api.permissions import Permission, allowed
from tests import factories
from tests.portal_api.web.conftest import sign_in

NAV = re.compile(r'<nav aria-label="[^"]+">\s*<ul>(.*?)</ul>', re.S)
PAGES = {
    "/departments": Permission.DEPARTMENT_READ,
    "/users": Permission.USER_READ,
    "/quotas": Permission.QUOTA_READ,
    "/inventory": Permission.PROVIDER_READ,  # provider reps: their own provider's lists
    "/capacity": Permission.INVENTORY_READ,
    "/departments/new": Permission.DEPARTMENT_WRITE,
    "/users/new": Permission.USER_WRITE,
    "/quotas/new": Permission.QUOTA_WRITE,
    "/usage": Permission.QUOTA_READ,
    "/requests": Permission.REQUEST_READ,
    "/approvals": Permission.REQUEST_APPROVE,
    "/stacks": Permission.STACK_READ,
    "/migration": Permission.MIGRATION_READ,
    "/provider": Permission.INCIDENT_HANDLE,
    "/monitoring": Permission.MONITORING_READ,
    "/monitoring/incidents": Permission.MONITORING_READ,
    "/monitoring/slos": Permission.MONITORING_READ,
    "/assessments": Permission.ASSESSMENT_READ,
    "/satisfaction": Permission.SURVEY_ANSWER,
    "/assessments-evidence/new": Permission.ASSESSMENT_EVIDENCE,
    "/billing": Permission.BILLING_READ,
    "/billing/finance": Permission.BILLING_WRITE,
    "/billing/settlements": Permission.SETTLEMENT_READ,
    "/audit": Permission.AUDIT_READ,
    "/requests/new": Permission.REQUEST_WRITE,
    "/schedules": Permission.SCHEDULE_READ,
}


def _nav_links(html: str) -> list[str]:
    found = NAV.search(html)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


@pytest.mark.parametrize("role", list(Role))
def test_navigation_and_pages_follow_the_permission_table(
    client: TestClient, world: factories.World, role: Role
) -> None:
    sign_in(client, world.users[role])
    expected_nav = ["/"] + [
        path
        for path, permission in PAGES.items()
        if "new" not in path and allowed(role, permission)
    ]
    assert _nav_links(client.get("/").text) == expected_nav
    for path, permission in PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if allowed(role, permission) else 403), (role, path)


def test_read_only_roles_get_no_edit_links(
    client: TestClient, session: Session, world: factories.World
) -> None:
    quota = factories.quota(session, dept=world.own)
    sign_in(client, world.users[Role.AUDITOR])
    page = client.get("/quotas").text
    assert f'href="/quotas/{quota.id}/edit"' not in page
    assert 'href="/quotas/new"' not in page
    assert f"/departments/{world.own.id}/edit" not in client.get("/departments").text


def test_department_user_sees_only_their_subtree(
    client: TestClient, session: Session, world: factories.World
) -> None:
    own = factories.quota(session, dept=world.section, limit=11)
    other = factories.quota(session, dept=world.other, limit=22)
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get("/quotas").text
    assert f'id="quota-{own.id}"' in page
    assert f'id="quota-{other.id}"' not in page
    departments = client.get("/departments").text
    assert world.section.code in departments
    assert world.other.code not in departments
    assert world.city.code not in departments


def test_department_user_cannot_open_another_departments_quota(
    client: TestClient, session: Session, world: factories.World
) -> None:
    own = factories.quota(session, dept=world.own)
    other = factories.quota(session, dept=world.other)
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    outside = client.get(f"/quotas/{other.id}/edit")
    assert outside.status_code == 404
    assert "页面不存在" in outside.text
    assert client.get(f"/quotas/{own.id}/edit").status_code == 403  # visible, not editable
    assert client.get("/quotas/999999/edit").status_code == 404


def test_department_admin_manages_users_of_their_subtree_only(
    client: TestClient, session: Session, world: factories.World
) -> None:
    outsider = factories.user(session, role=Role.DEPARTMENT_USER, dept=world.other)
    sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    page = client.get("/users").text
    assert world.users[Role.DEPARTMENT_USER].username in page
    assert outsider.username not in page
    assert world.users[Role.OPERATOR].username not in page  # office staff: no department
    assert client.get(f"/users/{outsider.id}/edit").status_code == 404
    assert client.get(f"/users/{world.users[Role.OPERATOR].id}/edit").status_code == 404
    assert client.get(f"/users/{world.users[Role.DEPARTMENT_USER].id}/edit").status_code == 200


def test_unknown_page_is_an_html_404_and_the_api_stays_json(
    client: TestClient, world: factories.World
) -> None:
    sign_in(client, world.users[Role.OPERATOR])
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<nav" in page.text  # the layout knows who is signed in
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"

"""The schedules page: every schedule with its last run and next run, in both languages."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from infra.jobs.runner import InlineBackend, set_backend
from infra.schedules import service
from infra.tenancy.enums import Role
from portal_api.registry import SCHEDULES
from tests import factories
from tests.portal_api.web.conftest import sign_in


def test_office_sees_schedules_with_last_and_next_run(
    client: TestClient,
    world: factories.World,
    session_factory: sessionmaker[Session],
) -> None:
    previous = set_backend(InlineBackend(session_factory))
    try:
        service.tick(session_factory, SCHEDULES, now=dt.datetime(2026, 11, 30, 3, tzinfo=dt.UTC))
    finally:
        set_backend(previous)
    csrf = sign_in(client, world.users[Role.OPERATOR])
    page = client.get("/schedules")
    assert page.status_code == 200, page.text
    assert "定时任务" in page.text  # zh-CN by default
    assert "requests.expiry" in page.text
    assert "已成功" in page.text or "成功" in page.text  # the claimed period's job succeeded
    assert 'href="/schedules"' in page.text  # in the navigation
    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/"})
    english = client.get("/schedules").text
    assert "Next run" in english
    assert "Schedules" in english


def test_departments_do_not_see_schedules(client: TestClient, world: factories.World) -> None:
    sign_in(client, world.users[Role.DEPARTMENT_USER])
    assert client.get("/schedules").status_code == 403
    assert 'href="/schedules"' not in client.get("/").text


def test_every_schedule_description_is_a_translated_msgid() -> None:
    """Catches a schedule added (or reworded) without its description marked ``N_`` beside it
    and translated: the Chinese page would show it in English."""
    from portal_api.web import i18n
    from tests.portal_api.web.test_i18n import extracted_msgids

    chinese = i18n.translations("zh_CN")
    msgids = extracted_msgids()
    for schedule in SCHEDULES:
        assert schedule.description in msgids, schedule.name
        assert chinese.gettext(schedule.description) != schedule.description, schedule.name

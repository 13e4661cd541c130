"""Live updates: job pages and migration run logs follow their job over server-sent events,
read through the reader session; without JavaScript the page lists every event so far."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker

from infra.database import WRITER_OPTION, make_engine, session_factories, session_scope, utcnow
from infra.discovery.models import DiscoveryTarget
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.migration.enums import RunKind, RunStatus
from infra.migration.models import MigrationRun
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from tests import factories
from tests.infra.migration.builders import legacy_system
from tests.portal_api.web.conftest import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _write(engine: Engine, job_id: str, seq: int, message: str, *, finish: bool = False) -> None:
    """Write an event (and maybe the job's end) as the job's own worker would."""
    with session_scope(session_factories(engine)[1]) as writer:
        writer.add(JobEvent(job_id=job_id, seq=seq, level=EventLevel.INFO, message=message))
        if finish:
            writer.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=JobStatus.SUCCEEDED, finished_at=utcnow(), progress=100)
            )


@pytest.fixture
def other_engine(engine: Engine) -> Iterator[Engine]:
    """A second engine on the same database: the "worker" whose writes are not counted."""
    second = make_engine(engine.url.render_as_string(hide_password=False))
    yield second
    second.dispose()


class WriterBegins:
    """Counts transactions begun as writers on ``engine`` (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.count = engine, 0

    def _on_begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(WRITER_OPTION, False):
            self.count += 1

    def __enter__(self) -> WriterBegins:
        event.listen(self.engine, "begin", self._on_begin)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "begin", self._on_begin)


@pytest.mark.parametrize("path", ["/jobs/{id}/stream", "/api/v1/jobs/{id}/stream"])
def test_the_stream_never_opens_a_writer_transaction(
    client: TestClient,
    session: Session,
    engine: Engine,
    other_engine: Engine,
    world: factories.World,
    path: str,
) -> None:
    """Catches a stream that polls through the writer session: on SQLite that takes the write
    lock at every poll (four times a second for every open job page)."""
    operator = world.users[Role.OPERATOR]
    job = factories.job(session, dept=world.own, status=JobStatus.RUNNING, created_by=operator)
    headers = world.headers[Role.OPERATOR] if path.startswith("/api") else {}
    if not headers:
        sign_in(client, operator)
    # Signing in and a token's first use write (once, on purpose): done before counting.
    assert client.get(path.format(id=job.id).removesuffix("/stream"), headers=headers).is_success
    _write(other_engine, job.id, 1, "first")

    def worker() -> None:  # the job goes on for a few polls, then ends
        time.sleep(0.8)
        _write(other_engine, job.id, 2, "second", finish=True)

    thread = threading.Thread(target=worker)
    with WriterBegins(engine) as writers:
        thread.start()
        with client.stream("GET", path.format(id=job.id), headers=headers) as response:
            assert response.status_code == 200
            body = "".join(response.iter_text())
        thread.join()
    assert "first" in body
    assert "second" in body
    assert 'event: end\ndata: {"status": "succeeded"}' in body
    assert writers.count == 0, f"the stream began {writers.count} writer transactions"


def test_the_counter_sees_writer_transactions(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    """The check above can fail: a writer session's transaction is counted."""
    with WriterBegins(engine) as writers, session_scope(session_factory) as writer:
        writer.execute(update(Job).values(progress=0))
    assert writers.count == 1


# -- in Chromium -------------------------------------------------------------------------------


def _signed_in_page(browser: Browser, live_server: str, user: User) -> Page:
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/")
    return page


@pytest.mark.browser
@pytest.mark.slow
def test_a_jobs_events_appear_live_then_it_stops(
    browser: Browser, live_server: str, session: Session, other_engine: Engine
) -> None:
    """Catches a job page that needs a reload (or a meta refresh) to show new events, and
    one that keeps streaming after the job's end."""
    from playwright.sync_api import expect

    world = factories.world(session)
    operator = world.users[Role.OPERATOR]
    job = factories.job(session, dept=world.own, status=JobStatus.RUNNING, created_by=operator)
    _write(other_engine, job.id, 1, "已开始")
    page = _signed_in_page(browser, live_server, operator)
    try:
        page.goto(f"/jobs/{job.id}")
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        events = page.locator("#job-events li")
        expect(events).to_have_count(1)
        page.evaluate("window.notReloaded = true")
        _write(other_engine, job.id, 2, "second line, written while the page is open")
        expect(events).to_have_count(2)
        expect(events.nth(1)).to_contain_text("second line, written while the page is open")
        _write(other_engine, job.id, 3, "done", finish=True)
        expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded")
        expect(page.locator("#job-status")).to_have_text("成功")
        expect(events).to_have_count(3)
        expect(page.locator("#job-events")).to_have_attribute("data-finished", "true")
        assert page.evaluate("window.notReloaded") is True  # appended, not reloaded
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_migration_run_log_follows_its_job_live(
    browser: Browser, live_server: str, session: Session, other_engine: Engine
) -> None:
    """Catches a run log that is not live (or live by meta refresh): its job's events appear
    as written, and at the end the page shows the run's final state."""
    from playwright.sync_api import expect

    world = factories.world(session)
    target = DiscoveryTarget(address="10.9.9.9", port=22, data_dirs=[])
    session.add(target)
    session.flush()
    system = legacy_system(session, world.own, servers=[target.id])
    job = factories.job(session, dept=world.own, status=JobStatus.RUNNING)
    run = MigrationRun(
        system_id=system.id,
        kind=RunKind.MIGRATE,
        status=RunStatus.RUNNING,
        source_id=target.id,
        destination_id=target.id,
        plan={},
        steps=[{"name": "copy_data", "status": "running"}],
        results={},
        job_id=job.id,
        created_by="x",
        attempts=1,
    )
    session.add(run)
    session.commit()
    page = _signed_in_page(browser, live_server, world.users[Role.DEPARTMENT_USER])
    try:
        page.goto(f"/migration/runs/{run.id}")
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        expect(page.locator("#no-events")).to_be_visible()
        _write(other_engine, job.id, 1, "copy_data: rsync pass 1")
        expect(page.locator("#job-events li")).to_contain_text(["copy_data: rsync pass 1"])
        expect(page.locator("#no-events")).to_be_hidden()
        with session_scope(session_factories(other_engine)[1]) as writer:
            writer.execute(
                update(MigrationRun)
                .where(MigrationRun.id == run.id)
                .values(status=RunStatus.SUCCEEDED, steps=[{"name": "copy_data", "status": "done"}])
            )
        _write(other_engine, job.id, 2, "copy_data: done", finish=True)
        expect(page.locator("#run-status")).to_have_attribute("data-status", "succeeded")
        expect(page.locator("#steps")).to_contain_text("done")
        expect(page.locator("#job-events li")).to_have_count(2)
    finally:
        page.context.close()

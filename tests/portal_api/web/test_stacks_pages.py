"""Stack pages: status per department, preview/up buttons, the job view following a run."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from infra.inventory.enums import NetworkZone
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.provisioning import flows, service
from infra.provisioning.enums import StackOperation
from infra.provisioning.pulumi_adapter import CLI_MISSING, RunResult
from infra.tenancy.enums import ResourceClass, Role
from tests import factories
from tests.portal_api.web.conftest import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def no_cli() -> Iterator[None]:
    previous = flows.set_cli_lookup(lambda _name: None)
    yield
    flows.set_cli_lookup(previous)


@pytest.fixture
def stacked(
    session: Session, session_factory: sessionmaker[Session], world: factories.World
) -> factories.World:
    factories.quota(session, dept=world.own, resource=ResourceClass.VCPU, limit=16)
    factories.quota(
        session,
        dept=world.own,
        resource=ResourceClass.PUBLIC_IP,
        zone=NetworkZone.INTERNET,
        limit=1,
    )
    factories.quota(session, dept=world.other, resource=ResourceClass.VCPU, limit=4)
    factories.deliver_events(session_factory)  # QuotaChanged → stacks out of date, with reasons
    session.rollback()
    return world


def _finish(session: Session, job_id: str) -> Job:
    for _ in range(200):
        session.rollback()  # a fresh snapshot: the job writes from its own thread
        job = session.get(Job, job_id)
        if job is not None and job.status.finished:
            return job
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


@pytest.mark.usefixtures("no_cli")
def test_operator_sees_every_stack_out_of_date_and_the_missing_cli(
    client: TestClient, stacked: factories.World
) -> None:
    sign_in(client, stacked.users[Role.OPERATOR])
    page = client.get("/stacks").text
    assert f'id="stack-{stacked.own.code}"' in page
    assert f'id="stack-{stacked.other.code}"' in page
    assert "已过期" in page  # zh-CN: out of date
    assert CLI_MISSING.replace("`", "&#96;") in page or CLI_MISSING in page
    detail = client.get(f"/stacks/{stacked.own.id}").text
    for operation in ("preview", "up", "refresh"):
        assert f'name="operation" value="{operation}"' in detail
    assert "public_ip quota in internet created" in detail


def test_department_user_sees_own_stack_only_and_no_buttons(
    client: TestClient, stacked: factories.World
) -> None:
    sign_in(client, stacked.users[Role.DEPARTMENT_USER])
    page = client.get("/stacks").text
    assert f'id="stack-{stacked.own.code}"' in page
    assert f'id="stack-{stacked.other.code}"' not in page
    assert 'id="cli-missing"' not in page
    detail = client.get(f"/stacks/{stacked.own.id}").text
    assert 'name="operation"' not in detail
    assert client.get(f"/stacks/{stacked.other.id}").status_code == 404
    manifests = client.get(f"/stacks/{stacked.own.id}/manifests").text
    assert f"03-resourcequota-{stacked.own.code}-internet-department-quota.yaml" in manifests
    assert "services.loadbalancers: &#39;1&#39;" in manifests


@pytest.mark.usefixtures("no_cli")
def test_up_from_the_page_starts_a_job_that_fails_plainly(
    client: TestClient, session: Session, stacked: factories.World
) -> None:
    csrf = sign_in(client, stacked.users[Role.OPERATOR])
    client.post("/lang", data={"csrf": csrf, "locale": "en", "next": "/"})
    refused = client.post(f"/stacks/{stacked.own.id}/run", data={"operation": "up"})
    assert refused.status_code == 403  # no CSRF token
    response = client.post(
        f"/stacks/{stacked.own.id}/run",
        data={"csrf": csrf, "operation": "up"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/jobs/")
    job = _finish(session, job_id)
    assert job.status is JobStatus.FAILED
    page = client.get(f"/jobs/{job_id}").text
    assert 'data-status="failed"' in page
    assert "pulumi CLI not found" in page
    assert 'data-finished="true"' in page
    with client.stream("GET", f"/jobs/{job_id}/stream") as stream:
        body = "".join(stream.iter_text())
    assert "event: job-event" in body
    assert 'event: end\ndata: {"status": "failed"}' in body
    detail = client.get(f"/stacks/{stacked.own.id}").text
    assert 'id="last-error"' in detail
    assert "Out of date" in detail
    bad = client.post(f"/stacks/{stacked.own.id}/run", data={"csrf": csrf, "operation": "destroy"})
    assert bad.status_code == 422
    assert "<code>operation</code>: Choose one of the offered options." in bad.text
    client.post("/lang", data={"csrf": csrf, "locale": "zh_CN", "next": "/"})
    chinese = client.post(
        f"/stacks/{stacked.own.id}/run", data={"csrf": csrf, "operation": "destroy"}
    )
    assert "<code>operation</code>: 请从给出的选项中选择。" in chinese.text  # the error page too


def test_a_busy_stack_says_so_in_the_pages_language(
    client: TestClient, session: Session, stacked: factories.World
) -> None:
    """Catches the refusal flashed in English on the Chinese page."""
    busy = factories.job(session, dept=stacked.own, status=JobStatus.RUNNING)
    busy.kind = service.RUN_KIND
    session.commit()
    csrf = sign_in(client, stacked.users[Role.OPERATOR])
    response = client.post(
        f"/stacks/{stacked.own.id}/run", data={"csrf": csrf, "operation": "preview"}
    )
    assert response.status_code == 200  # back on the stack's page, with the flash
    stack = f"dept-{stacked.own.code}"
    assert f"堆栈 {stack} 已有一次运行正在进行，请等待其结束。" in response.text
    assert "already has a run in progress" not in response.text


def test_other_departments_jobs_are_not_found(
    client: TestClient, session: Session, stacked: factories.World
) -> None:
    other_admin = factories.user(session, role=Role.DEPARTMENT_ADMIN, dept=stacked.other)
    job = Job(
        id="f" * 32,
        kind="stack.run",
        title="pulumi up dept-x",
        status=JobStatus.SUCCEEDED,
        progress=100,
        params={},
        department_id=stacked.own.id,
        created_by="operator",
        cancel_requested=False,
    )
    session.add(job)
    session.commit()
    sign_in(client, other_admin)
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}/stream").status_code == 404


class SlowAdapter:
    """Prints a line every few hundred milliseconds, like a real `pulumi up`."""

    backend_url = "file:///tmp/state"
    available = True

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def cli_path(self) -> str:
        return "/usr/bin/pulumi"

    def run(
        self,
        operation: StackOperation,
        *,
        stack_name: str,
        config: Mapping[str, str],
        program: Callable[[], None],
        on_output: Callable[[str], None],
    ) -> RunResult:
        on_output(f"Updating ({stack_name})")
        self.release.wait(timeout=20)
        on_output("    + kubernetes:core/v1:Namespace created")
        on_output("Resources: 11 created")
        return RunResult(operation, changes={"create": 11}, outputs={"department": stack_name})


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.usefixtures("job_backend")  # jobs run on the test database
def test_the_job_page_follows_a_run_live(
    browser: Browser,
    live_server: str,
    session: Session,
    stacked: factories.World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    release = threading.Event()
    monkeypatch.setattr(flows, "adapter_for", lambda _settings: SlowAdapter(release))
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Username").fill(stacked.users[Role.OPERATOR].username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/stacks/{stacked.own.id}")
        page.get_by_role("button", name="English").click()
        expect(page.locator("#stack-state")).to_contain_text("Out of date")
        page.get_by_role("button", name="Up (deploy)").click()
        expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
        events = page.locator("#job-events li")
        expect(events.first).to_contain_text(f"dept-{stacked.own.code}")
        expect(page.locator("#job-status")).not_to_have_attribute("data-status", "succeeded")
        release.set()  # the run goes on while the page is open: lines arrive live
        expect(page.locator("#job-events")).to_contain_text("Resources: 11 created")
        expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded")
        expect(page.locator("#job-status")).to_have_text("Succeeded")
        page.get_by_role("link", name="Back to the stack").click()
        expect(page.locator("#stack-state")).to_contain_text("Up to date")
        expect(page.locator("#stack-outputs")).to_contain_text(f"dept-{stacked.own.code}")
    finally:
        release.set()
        context.close()

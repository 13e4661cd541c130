"""Stack runs as jobs, the adapter without a pulumi CLI, and the out-of-date flag."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import infra.provisioning.jobs  # noqa: F401  (registers the handler)
from infra.audit.models import AuditEntry
from infra.errors import Conflict
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.jobs.runner import InlineBackend, set_backend
from infra.provisioning import flows, service
from infra.provisioning.enums import StackOperation, StackRunStatus
from infra.provisioning.models import StackState
from infra.provisioning.pulumi_adapter import CLI_MISSING, PulumiAdapter, PulumiNotFound, RunResult
from infra.schemas import PageParams
from infra.tenancy import service as tenancy
from infra.tenancy.enums import DepartmentKind, ResourceClass
from infra.tenancy.models import Department
from infra.tenancy.schemas import QuotaUpdate
from infra.tenancy.scope import Scope
from tests import factories

EVERYTHING = Scope.everything()


@pytest.fixture
def inline_jobs(session_factory: sessionmaker[Session]) -> Iterator[None]:
    previous = set_backend(InlineBackend(session_factory))
    yield
    set_backend(previous)


@pytest.fixture
def no_cli() -> Iterator[None]:
    previous = flows.set_cli_lookup(lambda _name: None)
    yield
    flows.set_cli_lookup(previous)


@pytest.fixture
def police(session: Session, session_factory: sessionmaker[Session]) -> Department:
    city = factories.department(session, kind=DepartmentKind.CITY)
    dept = factories.department(session, parent=city, code="police")
    factories.quota(session, dept=dept, resource=ResourceClass.VCPU, limit=64)
    factories.deliver_events(session_factory)  # QuotaChanged → the stack is out of date
    session.rollback()
    return dept


def _run(session: Session, dept: Department, operation: StackOperation) -> Job:
    job = service.start_run(
        session,
        scope=EVERYTHING,
        department_id=dept.id,
        operation=operation,
        actor=factories.SYSTEM,
    )
    session.commit()  # the job runs (inline) once the transaction commits
    session.expire_all()
    found = session.get(Job, job.id)
    assert found is not None
    return found


def test_the_adapter_without_a_cli_fails_fast_with_one_clear_message(tmp_path: Path) -> None:
    adapter = PulumiAdapter(state_dir=tmp_path / "state", which=lambda _name: None)
    assert not adapter.available
    lines: list[str] = []
    for operation in StackOperation:
        with pytest.raises(PulumiNotFound) as caught:
            adapter.run(
                operation,
                stack_name="dept-police",
                config={"govcloud:program": "tenancy"},
                program=lambda: None,
                on_output=lines.append,
            )
        assert caught.value.message == CLI_MISSING
    assert CLI_MISSING.startswith("pulumi CLI not found: install it from https://")
    assert CLI_MISSING.endswith("or use `govcloud stack render`")
    assert not (tmp_path / "state").exists(), "nothing may be written for a run that cannot start"
    assert lines == []


def test_a_cli_that_vanished_is_the_same_clear_message(tmp_path: Path) -> None:
    adapter = PulumiAdapter(
        state_dir=tmp_path / "state", which=lambda _name: str(tmp_path / "gone" / "bin" / "pulumi")
    )
    with pytest.raises(PulumiNotFound, match="pulumi CLI not found"):
        adapter.run(
            StackOperation.PREVIEW,
            stack_name="dept-police",
            config={},
            program=lambda: None,
            on_output=print,
        )
    assert not (tmp_path / "state").exists()


@pytest.mark.usefixtures("inline_jobs", "no_cli")
def test_a_run_without_the_cli_ends_failed_with_the_message(
    session: Session, police: Department
) -> None:
    job = _run(session, police, StackOperation.UP)
    assert job.status is JobStatus.FAILED
    assert job.error == CLI_MISSING
    assert job.finished_at is not None
    assert job.result is None
    events = session.scalars(select(JobEvent).where(JobEvent.job_id == job.id)).all()
    assert [(e.level, e.message) for e in events] == [(EventLevel.ERROR, CLI_MISSING)]
    state = session.scalar(select(StackState).where(StackState.department_id == police.id))
    assert state is not None
    assert state.last_status is StackRunStatus.FAILED
    assert state.last_error == CLI_MISSING
    assert state.last_job_id == job.id
    assert state.out_of_date, "a failed run deploys nothing"
    audit = session.scalars(select(AuditEntry).where(AuditEntry.entity == "stack")).all()
    assert [(a.action, a.entity_id) for a in audit] == [("up", "dept-police")]


@dataclass
class FakeAdapter:
    """Stands in for the Automation API: prints like pulumi and returns a result."""

    lines: list[str] = field(
        default_factory=lambda: ["Updating (dept-police)", "", "  + 11 created"]
    )
    calls: list[tuple[StackOperation, str, dict[str, str]]] = field(default_factory=list)
    backend_url: str = "file:///tmp/state"
    on_run: Callable[[], None] | None = None

    def cli_path(self) -> str:
        return "/usr/local/bin/pulumi"

    def run(
        self,
        operation: StackOperation,
        *,
        stack_name: str,
        config: Mapping[str, str],
        program: Callable[[], None],
        on_output: Callable[[str], None],
    ) -> RunResult:
        self.calls.append((operation, stack_name, dict(config)))
        for line in self.lines:
            on_output(line + "\n")
        if self.on_run:
            self.on_run()
        return RunResult(
            operation, changes={"create": 11}, outputs={"namespaces": ["police-extranet"]}
        )


@pytest.mark.usefixtures("inline_jobs")
def test_an_up_streams_output_and_makes_the_stack_current(
    session: Session, police: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeAdapter()
    monkeypatch.setattr(flows, "adapter_for", lambda _settings: fake)
    job = _run(session, police, StackOperation.UP)
    assert job.status is JobStatus.SUCCEEDED, job.error
    (operation, stack, config) = fake.calls[0]
    assert (operation, stack) == (StackOperation.UP, "dept-police")
    assert config["govcloud:program"] == "tenancy"
    assert '"vcpu": 64' in config["govcloud:tenancy"]
    messages = [
        e.message
        for e in session.scalars(
            select(JobEvent).where(JobEvent.job_id == job.id).order_by(JobEvent.seq)
        )
    ]
    assert messages[1:] == ["Updating (dept-police)", "  + 11 created"]
    state = session.scalar(select(StackState).where(StackState.department_id == police.id))
    assert state is not None
    assert not state.out_of_date
    assert state.last_status is StackRunStatus.SUCCEEDED
    assert state.last_outputs == {"namespaces": ["police-extranet"]}
    assert state.applied_fingerprint is not None


@pytest.mark.usefixtures("inline_jobs")
def test_the_flag_flips_when_a_quota_changes(
    session: Session,
    session_factory: sessionmaker[Session],
    police: Department,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quota → stack-out-of-date effect, now a subscription: the dispatcher runs after
    each quota write, as the delivery job would."""

    def deliver() -> None:
        factories.deliver_events(session_factory)
        session.rollback()

    monkeypatch.setattr(flows, "adapter_for", lambda _settings: FakeAdapter())
    status = service.get_stack(session, scope=EVERYTHING, department_id=police.id)
    assert status.out_of_date
    assert status.out_of_date_reason == "vcpu quota in extranet created"
    _run(session, police, StackOperation.UP)
    assert not service.get_stack(session, scope=EVERYTHING, department_id=police.id).out_of_date
    quota = factories.quota(session, dept=police, resource=ResourceClass.MEMORY_GIB, limit=128)
    deliver()
    status = service.get_stack(session, scope=EVERYTHING, department_id=police.id)
    assert status.out_of_date
    assert status.out_of_date_reason == "memory_gib quota in extranet created"
    _run(session, police, StackOperation.UP)
    tenancy.update_quota(
        session,
        scope=EVERYTHING,
        quota_id=quota.id,
        data=QuotaUpdate(limit=256),
        actor=factories.SYSTEM,
    )
    session.commit()
    deliver()
    assert service.get_stack(session, scope=EVERYTHING, department_id=police.id).out_of_date
    _run(session, police, StackOperation.UP)
    tenancy.delete_quota(session, scope=EVERYTHING, quota_id=quota.id, actor=factories.SYSTEM)
    session.commit()
    deliver()
    status = service.get_stack(session, scope=EVERYTHING, department_id=police.id)
    assert (status.out_of_date, status.out_of_date_reason) == (
        True,
        "memory_gib quota in extranet removed",
    )
    # A preview or refresh deploys nothing: the stack stays out of date.
    _run(session, police, StackOperation.PREVIEW)
    assert service.get_stack(session, scope=EVERYTHING, department_id=police.id).out_of_date


@pytest.mark.usefixtures("inline_jobs")
def test_a_quota_change_during_an_up_keeps_the_stack_out_of_date(
    session: Session,
    session_factory: sessionmaker[Session],
    police: Department,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def change_quota() -> None:
        with session_factory() as other:
            dept = other.get(Department, police.id)
            assert dept is not None
            factories.quota(other, dept=dept, resource=ResourceClass.PUBLIC_IP, limit=2)

    monkeypatch.setattr(flows, "adapter_for", lambda _settings: FakeAdapter(on_run=change_quota))
    _run(session, police, StackOperation.UP)
    status = service.get_stack(session, scope=EVERYTHING, department_id=police.id)
    assert status.last_status is StackRunStatus.SUCCEEDED
    assert status.out_of_date
    assert status.out_of_date_reason == "the quotas changed while the update ran"


@pytest.mark.usefixtures("inline_jobs")
def test_a_late_quota_event_does_not_undo_an_up_that_deployed_it(
    session: Session,
    session_factory: sessionmaker[Session],
    police: Department,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches a non-idempotent subscriber: a QuotaChanged delivered (again, or late) after an
    ``up`` that already deployed those quotas must not flag the stack."""
    monkeypatch.setattr(flows, "adapter_for", lambda _settings: FakeAdapter())
    factories.quota(session, dept=police, resource=ResourceClass.MEMORY_GIB, limit=128)
    _run(session, police, StackOperation.UP)  # deploys the new quota before delivery
    factories.deliver_events(session_factory)
    session.rollback()
    assert not service.get_stack(session, scope=EVERYTHING, department_id=police.id).out_of_date


def test_the_delivery_job_runs_the_subscription_when_the_quota_write_commits(
    session: Session, session_factory: sessionmaker[Session], police: Department
) -> None:
    """End to end without calling the dispatcher: the app's subscriptions are installed, the
    quota write submits the delivery job in its transaction, the (inline) job delivers."""
    from infra.events.dispatch import install
    from portal_api.registry import SUBSCRIPTIONS

    previous = set_backend(InlineBackend(session_factory))
    install(SUBSCRIPTIONS)
    try:
        with session_factory() as writer:
            dept = writer.get(Department, police.id)
            assert dept is not None
            factories.quota(writer, dept=dept, resource=ResourceClass.PUBLIC_IP, limit=2)
    finally:
        set_backend(previous)
    session.rollback()
    status = service.get_stack(session, scope=EVERYTHING, department_id=police.id)
    assert status.out_of_date_reason == "public_ip quota in extranet created"
    job = session.scalars(select(Job).where(Job.kind == "events.deliver")).one()
    assert job.status is JobStatus.SUCCEEDED
    assert job.result is not None
    assert job.result["delivered"] == 1


@pytest.mark.usefixtures("inline_jobs", "no_cli")
def test_one_run_at_a_time_per_department(session: Session, police: Department) -> None:
    service.start_run(
        session,
        scope=EVERYTHING,
        department_id=police.id,
        operation=StackOperation.UP,
        actor=factories.SYSTEM,
    )
    with pytest.raises(Conflict, match="already has a run in progress"):
        service.start_run(
            session,
            scope=EVERYTHING,
            department_id=police.id,
            operation=StackOperation.PREVIEW,
            actor=factories.SYSTEM,
        )
    session.rollback()


def test_deleting_a_department_takes_its_stack_state_along(
    session: Session, police: Department
) -> None:
    (quota,) = tenancy.list_quotas(
        session, scope=EVERYTHING, page=PageParams(), department_id=police.id
    ).items
    tenancy.delete_quota(session, scope=EVERYTHING, quota_id=quota.id, actor=factories.SYSTEM)
    tenancy.delete_department(
        session, scope=EVERYTHING, department_id=police.id, actor=factories.SYSTEM
    )
    session.commit()
    assert session.scalar(select(StackState.id)) is None


class RecordingBackend:
    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.enqueued.append(job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


@pytest.mark.usefixtures("no_cli")
def test_a_run_started_inside_a_savepoint_waits_for_the_real_commit(
    session: Session, police: Department
) -> None:
    """Pages start runs inside ``begin_nested()``: releasing the savepoint is no commit, and a
    job handed over then would look for a row no other connection can see yet."""
    backend = RecordingBackend()
    previous = set_backend(backend)
    try:
        with session.begin_nested():
            job = service.start_run(
                session,
                scope=EVERYTHING,
                department_id=police.id,
                operation=StackOperation.PREVIEW,
                actor=factories.SYSTEM,
            )
        assert backend.enqueued == []
        session.commit()
        assert backend.enqueued == [job.id]
    finally:
        set_backend(previous)

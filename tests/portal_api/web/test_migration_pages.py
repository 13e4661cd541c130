"""The migration pages: systems with facts and dependencies, waves, a run's log; scoped."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.discovery.models import DiscoveryTarget
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.migration import service
from infra.migration.enums import RunKind, RunStatus
from infra.migration.models import MigrationRun
from infra.tenancy.enums import Role
from tests import factories
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.builders import legacy_system
from tests.portal_api.web.conftest import sign_in


def test_systems_page_and_run_log(
    client: TestClient, session: Session, world: factories.World
) -> None:
    target = DiscoveryTarget(
        address="10.9.9.9",
        port=22,
        data_dirs=[],
        hostname="hr-db-01",
        facts={"os_name": "Kylin V10", "cpu": {"count": 8}, "utilisation": {"cpu_p95": "37.5"}},
    )
    session.add(target)
    session.flush()
    db = legacy_system(session, world.own, servers=[target.id])
    app = legacy_system(session, world.own)
    hidden = legacy_system(session, world.other)
    service.add_dependency(
        session, system_id=app.id, depends_on_id=db.id, actor=SYSTEM, scope=EVERYTHING
    )
    job = Job(
        id="j" * 32,
        kind="migration.run",
        title="t",
        status=JobStatus.RUNNING,
        params={},
        created_by="x",
        department_id=world.own.id,
    )
    session.add(job)
    run = MigrationRun(
        system_id=db.id,
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
    session.flush()
    session.add(
        JobEvent(
            job_id=job.id,
            seq=1,
            level=EventLevel.INFO,
            message="copy_data: source changed: Rsync each directory",
        )
    )
    session.commit()

    sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get("/migration")
    assert page.status_code == 200
    assert "hr-db-01" in page.text
    assert "37.5" in page.text
    assert f"{app.application.code} → {db.application.code}" in page.text
    assert hidden.application.code not in page.text
    log = client.get(f"/migration/runs/{run.id}")
    assert log.status_code == 200
    assert "Rsync each directory" in log.text
    assert 'http-equiv="refresh"' in log.text  # live while the run runs

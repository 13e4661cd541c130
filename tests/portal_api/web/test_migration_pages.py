"""The migration pages: systems with facts and dependencies, waves, a run's log; scoped."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.discovery.models import DiscoveryTarget
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.migration import service
from infra.migration.enums import RunKind, RunStatus
from infra.migration.models import MigrationRun, Wave, WaveMember
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
    assert 'http-equiv="refresh"' not in log.text  # live by SSE, not by reloading
    assert f'data-stream="/migration/runs/{run.id}/stream"' in log.text
    assert 'data-finished="false"' in log.text  # the job runs: the page follows it


def _svg(html: str, svg_id: str) -> str:
    start = html.index(f'id="{svg_id}"')
    return html[start : html.index("</svg>", start)]


def test_dependency_graph_and_wave_timeline_are_scoped(
    client: TestClient, session: Session, world: factories.World
) -> None:
    db = legacy_system(session, world.own)
    app = legacy_system(session, world.own)
    cache = legacy_system(session, world.own)
    hidden = legacy_system(session, world.other)
    for source, target in [(app, db), (app, cache), (cache, app), (hidden, db)]:
        service.add_dependency(
            session, system_id=source.id, depends_on_id=target.id, actor=SYSTEM, scope=EVERYTHING
        )
    start = dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)
    wave = Wave(plan="default", number=1, starts_at=start, ends_at=start + dt.timedelta(days=7))
    wave.max_concurrent = 2
    session.add(wave)
    session.flush()
    for k, system in enumerate([db, app, hidden]):
        at = start + dt.timedelta(days=1 + k)
        session.add(
            WaveMember(
                wave_id=wave.id,
                system_id=system.id,
                slot_starts_at=at,
                slot_ends_at=at + dt.timedelta(hours=4),
            )
        )
    session.commit()

    sign_in(client, world.users[Role.DEPARTMENT_USER])
    page = client.get("/migration")
    assert page.status_code == 200
    graph = _svg(page.text, "dependency-graph")
    nodes = set(re.findall(r'class="dep-node[^"]*" data-system="(\d+)"', graph))
    assert nodes == {str(db.id), str(app.id), str(cache.id)}
    edges = re.findall(r'class="dep-edge" data-source="(\d+)" data-target="(\d+)"', graph)
    assert sorted(edges) == sorted(
        (str(a.id), str(b.id)) for a, b in [(app, db), (app, cache), (cache, app)]
    )
    assert graph.count("<title>") == 3 + 3  # an accessible name on every node and edge
    assert hidden.application.code not in page.text
    assert "style=" not in graph  # the CSP forbids inline styles
    bars = re.findall(
        r'class="wave-bar[^"]*" data-system="(\d+)"', _svg(page.text, "wave-timeline")
    )
    assert sorted(bars) == sorted([str(db.id), str(app.id)])

    client.cookies.clear()
    sign_in(client, world.users[Role.OPERATOR])
    graph = _svg(client.get("/migration").text, "dependency-graph")
    assert len(re.findall(r'class="dep-node', graph)) == 4
    assert len(re.findall(r'class="dep-edge"', graph)) == 4


def test_node_text_is_escaped(client: TestClient, session: Session, world: factories.World) -> None:
    system = legacy_system(session, world.own)
    system.application.name = "<script>alert(1)</script>"
    session.commit()
    sign_in(client, world.users[Role.OPERATOR])
    page = client.get("/migration")
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)" in _svg(page.text, "dependency-graph")

"""`govcloud stack …` against the test database: render, drift without a cluster, up without
the pulumi CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from infra.database import reset_engine
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.provisioning import flows
from infra.provisioning.pulumi_adapter import CLI_MISSING
from infra.settings import reset_settings
from infra.tenancy.enums import DepartmentKind, ResourceClass
from portal_api.cli import app
from tests import factories


@pytest.fixture
def cli_db(database_url: str, engine: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI's settings and engine pointed at this run's database."""
    monkeypatch.setenv("GOVCLOUD_DATABASE_URL", database_url)
    reset_settings()
    reset_engine()
    yield database_url
    reset_engine()
    monkeypatch.delenv("GOVCLOUD_DATABASE_URL")
    reset_settings()


@pytest.fixture
def police(session: Session) -> str:
    city = factories.department(session, kind=DepartmentKind.CITY)
    dept = factories.department(session, parent=city, code="police")
    factories.quota(session, dept=dept, resource=ResourceClass.VCPU, limit=12)
    return dept.code


@pytest.mark.usefixtures("cli_db")
def test_render_writes_one_valid_file_per_object(police: str, tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    result = CliRunner().invoke(app, ["stack", "render", police, "--out", str(out), "--validate"])
    assert result.exit_code == 0, result.output
    assert "valid for Kubernetes 1.33" in " ".join(result.output.split())
    files = sorted(p.name for p in out.glob("*.yaml"))
    assert files[0] == "00-namespace-police-extranet.yaml"
    assert len(files) == 11  # namespace, quota, limits, 4 policies, 2 roles, 2 bindings
    quota = yaml.safe_load(
        (out / "03-resourcequota-police-extranet-department-quota.yaml").read_text()
    )
    assert quota["spec"]["hard"]["limits.cpu"] == "12"
    platform = CliRunner().invoke(
        app, ["stack", "render", "platform", "--out", str(tmp_path / "p")]
    )
    assert platform.exit_code == 0, platform.output
    unknown = CliRunner().invoke(app, ["stack", "render", "nobody"])
    assert unknown.exit_code == 1
    assert "no department has code 'nobody'" in unknown.output


@pytest.mark.usefixtures("cli_db")
def test_drift_without_a_cluster_says_so(police: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVCLOUD_PROVISIONING__KUBECONFIG", raising=False)
    result = CliRunner().invoke(app, ["stack", "drift", police])
    assert result.exit_code == 2
    assert "no cluster configured" in " ".join(result.output.split())


@pytest.mark.usefixtures("cli_db")
def test_up_without_the_cli_fails_plainly(police: str, session: Session) -> None:
    previous = flows.set_cli_lookup(lambda _name: None)
    try:
        result = CliRunner().invoke(app, ["stack", "up", police])
    finally:
        flows.set_cli_lookup(previous)
    assert result.exit_code == 1
    assert CLI_MISSING in result.output
    session.rollback()
    (job,) = session.scalars(select(Job)).all()
    assert (job.status, job.error) == (JobStatus.FAILED, CLI_MISSING)

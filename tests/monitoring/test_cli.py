"""``govcloud monitoring``: status, OpenSLO export/import with a bad file refused, rules."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from infra.database import reset_engine
from infra.settings import reset_settings
from monitoring.slo.models import Slo
from monitoring.slo.schemas import SloCreate
from monitoring.slo.service import create_slo
from portal_api.cli import app
from tests import factories
from tests.monitoring import factories as mf

runner = CliRunner()


@pytest.fixture
def cli_database(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("GOVCLOUD_DATABASE_URL", database_url)
    reset_settings()
    reset_engine()
    yield
    reset_engine()
    monkeypatch.undo()
    reset_settings()


def test_status_export_import_and_rules(
    cli_database: None, session: Session, tmp_path: Path
) -> None:
    dept, prov = factories.department(session), mf.provider(session)
    svc = mf.service(session, dept=dept, prov=prov)
    create_slo(
        session,
        data=SloCreate(name="portal-30d", service_id=svc.id, target=Decimal("0.999")),
        actor=factories.SYSTEM,
    )
    session.commit()
    status = runner.invoke(app, ["monitoring", "status"])
    assert status.exit_code == 0, status.output
    assert svc.code in status.output
    exported = runner.invoke(app, ["monitoring", "slo-export"])
    assert exported.exit_code == 0
    assert "kind: SLO" in exported.output
    path = tmp_path / "slos.yaml"
    path.write_text(exported.output.replace("portal-30d", "portal-30d-copy"))
    imported = runner.invoke(app, ["monitoring", "slo-import", str(path)])
    assert imported.exit_code == 0, imported.output
    path.write_text(exported.output.replace("budgetingMethod: Occurrences", "budgetingMethod: X"))
    refused = runner.invoke(app, ["monitoring", "slo-import", str(path)])
    assert refused.exit_code == 1
    assert "spec.budgetingMethod" in refused.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Slo)) == 2
    rules = runner.invoke(app, ["monitoring", "prometheus-rules"])
    assert rules.exit_code == 0
    assert "GovcloudSLOErrorBudgetBurn" in rules.output

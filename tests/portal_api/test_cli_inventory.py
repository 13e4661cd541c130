"""`govcloud inventory import|export|capacity` against the run's database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from infra.database import reset_engine
from infra.inventory.models import Site
from infra.settings import reset_settings
from portal_api.cli import app
from tests import factories

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


def test_import_refuses_bad_rows_then_imports_and_exports(
    cli_database: None, session: Session, tmp_path: Path
) -> None:
    factories.department(session, code="police")
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("code,department,name,floor_area_m2\nr1,police,机房,12.5\nr2,nobody,机房,1\n")
    refused = runner.invoke(app, ["inventory", "import", str(rooms)])
    assert refused.exit_code == 1
    assert "rooms.csv" in refused.output
    assert "no department with code or name 'nobody'" in refused.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Site)) == 0
    session.rollback()

    rooms.write_text("code,department,name,floor_area_m2\nr1,police,机房,12.5\n")
    dry = runner.invoke(app, ["inventory", "import", "--dry-run", str(rooms)])
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output
    assert session.scalar(select(func.count()).select_from(Site)) == 0
    session.rollback()
    done = runner.invoke(app, ["inventory", "import", str(rooms)])
    assert done.exit_code == 0, done.output
    exported = runner.invoke(app, ["inventory", "export", "--kind", "rooms"])
    assert exported.exit_code == 0, exported.output
    assert exported.output.splitlines() == [
        "code,department,name,floor_area_m2,address",
        "r1,police,机房,12.50,",
    ]
    out = tmp_path / "out"
    assert runner.invoke(app, ["inventory", "export", "--out", str(out)]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "applications.csv",
        "devices.csv",
        "lines.csv",
        "rooms.csv",
        "servers.csv",
    ]
    workbook = tmp_path / "survey.xlsx"
    assert runner.invoke(app, ["inventory", "export", "--xlsx", str(workbook)]).exit_code == 0
    again = runner.invoke(app, ["inventory", "import", str(workbook)])
    assert again.exit_code == 0, again.output
    assert re.search(r"rooms\s*│\s*0\s*│\s*0\s*│\s*1\s*│", again.output), again.output
    assert runner.invoke(app, ["inventory", "export"]).exit_code == 2
    assert runner.invoke(app, ["inventory", "capacity"]).exit_code == 0

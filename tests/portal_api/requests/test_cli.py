"""``govcloud request …`` and ``govcloud place`` against the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from infra.database import reset_engine
from infra.settings import reset_settings
from infra.tenancy.enums import Role
from infra.tenancy.requests.models import Allocation
from portal_api import clikit
from portal_api.cli import app
from tests import request_factories as rf
from tests.request_factories import Scene


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("GOVCLOUD_DATABASE_URL", database_url)
    monkeypatch.setattr(clikit.console, "width", 200)
    reset_settings()
    reset_engine()
    yield CliRunner()
    reset_engine()
    monkeypatch.undo()
    reset_settings()


def test_list_show_approve_reject_and_place(cli: CliRunner, session: Session, scene: Scene) -> None:
    user = scene.user(Role.DEPARTMENT_USER)
    keep = rf.request(session, user, rf.item(name="keep-me", vcpu=4), submit=True)
    drop = rf.request(session, user, rf.item(vcpu=2), submit=True)
    admin = scene.user(Role.DEPARTMENT_ADMIN).username
    operator = scene.user(Role.OPERATOR).username

    listed = cli.invoke(app, ["request", "list", "--state", "submitted"])
    assert listed.exit_code == 0, listed.output
    assert "requests (2)" in listed.output
    assert "department_admin" in listed.output

    out_of_turn = cli.invoke(app, ["request", "approve", str(keep.id), "--as", operator])
    assert out_of_turn.exit_code == 1
    assert "waiting for the department_admin" in out_of_turn.output
    for signer in (admin, operator):
        signed = cli.invoke(app, ["request", "approve", str(keep.id), "--as", signer])
        assert signed.exit_code == 0, signed.output
    assert "now approved" in signed.output
    rejected = cli.invoke(
        app, ["request", "reject", str(drop.id), "--as", admin, "--reason", "too early"]
    )
    assert rejected.exit_code == 0, rejected.output

    shown = cli.invoke(app, ["request", "show", str(drop.id)])
    assert "rejected: too early" in shown.output

    dry = cli.invoke(app, ["place", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "keep-me" in dry.output
    assert "dry run" in dry.output
    assert session.scalars(select(Allocation)).all() == []
    committed = cli.invoke(app, ["place", "--commit"])
    assert committed.exit_code == 0, committed.output
    assert "1 requests on 1 hosts" in committed.output
    session.rollback()  # end the test session's read snapshot
    assert len(session.scalars(select(Allocation)).all()) == 1

    swept = cli.invoke(app, ["request", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert "0 reminded, 0 expired" in swept.output

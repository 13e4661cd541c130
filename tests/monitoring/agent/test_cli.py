"""``govcloud agent enrol|list|revoke`` against the test databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from monitoring.metrics import service
from monitoring.metrics.models import AgentEnrolment
from tests.cli import run_cli
from tests.monitoring.metrics_support import make_hosts


def test_enrol_list_and_revoke_from_the_shell(
    database_url: str, engine: Engine, session: Session, tmp_path: Path
) -> None:
    """Catches a token stored in the clear and a revocation that leaves the token working."""
    host = make_hosts(session, 1)[0]
    token_file = tmp_path / "token"
    made = run_cli(database_url, "agent", "enrol", host.name, "--token-file", str(token_file))
    assert made.exit_code == 0, made.output
    token = token_file.read_text().strip()
    assert token.startswith("gca_")
    assert token_file.stat().st_mode & 0o777 == 0o600
    session.rollback()
    enrolment = session.scalars(select(AgentEnrolment)).one()
    assert token not in (enrolment.token_hash, enrolment.prefix)
    assert service.authenticate(session, token=token).id == enrolment.id
    listed = run_cli(database_url, "agent", "list")
    assert host.name in listed.output
    revoked = run_cli(database_url, "agent", "revoke", str(enrolment.id))
    assert revoked.exit_code == 0, revoked.output
    session.rollback()
    refused = run_cli(database_url, "agent", "revoke", "999999")
    assert refused.exit_code == 1
    assert "not found" in refused.output
    unknown = run_cli(database_url, "agent", "enrol", "no-such-host")
    assert unknown.exit_code == 1
    assert "no-such-host" in unknown.output
    import pytest

    from monitoring.metrics.exceptions import AgentTokenRefused

    with pytest.raises(AgentTokenRefused, match="revoked"):
        service.authenticate(session, token=token)

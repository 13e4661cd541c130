"""Every ``govcloud`` command tells how to get a secret when it has none, instead of a
traceback: the settings are checked once, before any command runs (``portal_api/cli.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from portal_api.cli import app
from tests.cli import run_cli

NO_SECRET = {"GOVCLOUD_DEMO": "0", "GOVCLOUD_SECRET_KEY": "change-me"}


def command_paths(
    group: typer.core.TyperGroup, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every runnable command's words (``("stack", "render")``), found from the app itself so a
    new command is covered the moment it exists."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, typer.core.TyperGroup):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = list(command_paths(typer.main.get_group(app)))


def test_commands_are_found() -> None:
    assert ("stack", "render") in COMMANDS
    assert ("db", "upgrade") in COMMANDS
    assert len(COMMANDS) > 30


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_every_command_without_a_secret_says_how_to_get_one(
    words: tuple[str, ...], tmp_path: Path
) -> None:
    """Catches: a command reading the settings itself (``get_settings()``) and dying with a
    pydantic traceback, or one that starts work before the settings are known good."""
    result = run_cli(f"sqlite:///{tmp_path}/never.db", *words, env=NO_SECRET)
    assert result.exit_code == 2, result.output
    assert "GOVCLOUD_SECRET_KEY is a placeholder" in result.output
    assert "hint:" in result.output
    assert "--demo" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "never.db").exists()

"""What every ``govcloud`` command group shares: the consoles, one way to fail, and the
settings check that tells a user how to get a secret.

Each domain's ``cli.py`` exposes ``register(app)`` (the one CLI style); errors go through
:func:`fail`, which prints ``error: …`` on stderr and returns the :class:`typer.Exit` to raise,
so exit codes mean the same everywhere: 1 refused or failed, 2 bad usage or configuration.
"""

from __future__ import annotations

from typing import Final

import typer
from pydantic import ValidationError
from rich.console import Console

from infra.audit.actor import Actor
from infra.settings import Settings, get_settings

CLI_ACTOR: Final = Actor.system("cli")
console: Final = Console()
err: Final = Console(stderr=True)

KEY_ADVICE: Final = (
    "for a try-out, run the command in demo mode: `govcloud --demo <command>`; for real use, "
    "export GOVCLOUD_SECRET_KEY (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the returned exit (``raise fail(...)``)."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """The settings, or exit 2 with the first problem and, for the secret, how to fix it."""
    try:
        return get_settings()
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        if "GOVCLOUD_SECRET_KEY" in message:
            message = f"{message}\n  hint: {KEY_ADVICE}"
        raise fail(message, 2) from exc

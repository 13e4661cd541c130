"""Settings: read from GOVCLOUD_* (nested with __), built lazily, no placeholder secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.settings import MIN_SECRET_LENGTH, Settings, get_settings, reset_settings
from tests.cli import run_cli

GOOD_SECRET = "k3y-" + "x" * (MIN_SECRET_LENGTH - 4)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean GOVCLOUD_* environment; the cached settings are rebuilt afterwards."""
    for name in list(os.environ):
        if name.startswith("GOVCLOUD_"):
            monkeypatch.delenv(name)
    reset_settings()
    yield monkeypatch
    monkeypatch.undo()
    reset_settings()


@pytest.mark.parametrize(
    "secret", [None, "", "change-me", "CHANGEME", "secret", "demo", "x" * (MIN_SECRET_LENGTH - 1)]
)
def test_placeholder_or_short_secret_is_refused_outside_demo_mode(
    env: pytest.MonkeyPatch, secret: str | None
) -> None:
    if secret is not None:
        env.setenv("GOVCLOUD_SECRET_KEY", secret)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "GOVCLOUD_SECRET_KEY is a placeholder or shorter than 32 characters" in message
    assert "GOVCLOUD_DEMO=1" in message  # says how to get going


@pytest.mark.parametrize("demo", ["1", "true", "yes"])
def test_demo_mode_accepts_the_placeholder(env: pytest.MonkeyPatch, demo: str) -> None:
    env.setenv("GOVCLOUD_DEMO", demo)
    settings = Settings()
    assert settings.demo is True
    assert settings.secret_key.get_secret_value() == "change-me"


def test_a_real_secret_is_accepted_and_never_shown(env: pytest.MonkeyPatch) -> None:
    env.setenv("GOVCLOUD_SECRET_KEY", GOOD_SECRET)
    settings = Settings()
    assert settings.demo is False
    assert settings.secret_key.get_secret_value() == GOOD_SECRET
    assert GOOD_SECRET not in repr(settings)
    assert GOOD_SECRET not in str(settings.model_dump())


def test_prefix_and_nesting(env: pytest.MonkeyPatch) -> None:
    env.setenv("GOVCLOUD_DEMO", "1")
    env.setenv("GOVCLOUD_DATABASE_URL", "postgresql+psycopg://gov@db/cloud")
    env.setenv("GOVCLOUD_JOBS__WORKERS", "9")
    env.setenv("GOVCLOUD_WEB__SECURE_COOKIES", "true")
    env.setenv("GOVCLOUD_WEB__DEFAULT_LOCALE", "en")
    env.setenv("GOVCLOUD_INVENTORY__HOST_RESERVE", "0.25")
    env.setenv("DATABASE_URL", "sqlite:///not-ours.db")  # no prefix: not ours
    env.setenv("JOBS__WORKERS", "2")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://gov@db/cloud"
    assert not settings.is_sqlite
    assert settings.jobs.workers == 9
    assert settings.web.secure_cookies is True
    assert settings.web.default_locale == "en"
    assert str(settings.inventory.host_reserve) == "0.25"


def test_defaults(env: pytest.MonkeyPatch) -> None:
    env.setenv("GOVCLOUD_DEMO", "1")
    settings = Settings()
    assert settings.database_url == "sqlite:///./govcloud.db"
    assert settings.is_sqlite
    assert settings.jobs.workers == 4
    assert settings.web.secure_cookies is False


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("GOVCLOUD_JOBS__WORKERS", "0", "workers"),
        ("GOVCLOUD_JOBS__WORKERS", "many", "workers"),
        ("GOVCLOUD_WEB__DEFAULT_LOCALE", "fr", "default_locale"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(
    env: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    env.setenv("GOVCLOUD_DEMO", "1")
    env.setenv(name, value)
    with pytest.raises(ValidationError, match=field):
        Settings()


def test_settings_are_built_lazily_and_cached(env: pytest.MonkeyPatch) -> None:
    env.setenv("GOVCLOUD_DEMO", "1")
    env.setenv("GOVCLOUD_JOBS__WORKERS", "3")
    first = get_settings()
    env.setenv("GOVCLOUD_JOBS__WORKERS", "5")
    assert get_settings() is first  # cached until reset
    reset_settings()
    assert get_settings().jobs.workers == 5


def test_the_cli_refuses_a_placeholder_secret_plainly(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = run_cli(
        f"sqlite:///{tmp_path}/never-created.db",
        "db",
        "upgrade",
        env={"GOVCLOUD_DEMO": "0", "GOVCLOUD_SECRET_KEY": "change-me"},
    )
    assert result.exit_code == 2, result.output
    assert "GOVCLOUD_SECRET_KEY is a placeholder" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "never-created.db").exists()

"""One settings object for the whole platform, read from ``GOVCLOUD_*`` environment variables.

Built lazily by :func:`get_settings` (never at import time) so tests and the CLI can set the
environment first.  Sub-models group each package's knobs; nested values use ``__``, e.g.
``GOVCLOUD_JOBS__WORKERS=8``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "demo"})
MIN_SECRET_LENGTH = 32


class JobSettings(BaseModel):
    workers: int = Field(default=4, ge=1, le=64)


class WebSettings(BaseModel):
    session_max_age_s: int = Field(default=8 * 3600, ge=60)
    secure_cookies: bool = False
    default_locale: Literal["zh_CN", "en"] = "zh_CN"


class SecuritySettings(BaseModel):
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=8, le=1_048_576)
    # Sign-in throttling: this many wrong passwords within the window lock the account (or
    # the source address) until the oldest of them leaves the window.
    signin_window_s: int = Field(default=15 * 60, ge=1)
    signin_failures_per_account: int = Field(default=5, ge=1)
    signin_failures_per_source: int = Field(default=20, ge=1)


class InventorySettings(BaseModel):
    # Share of every shared-cloud host held back from allocation (hypervisor, failover).
    host_reserve: Decimal = Field(default=Decimal("0.10"), ge=0, lt=1)


class RequestSettings(BaseModel):
    # Monthly list prices used only to *size* a request for its approval chain (the rate card
    # that bills departments lives in billing/); Decimal strings, per unit.
    unit_monthly_cost: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "vcpu": Decimal("60"),
            "memory_gib": Decimal("15"),
            "storage_gib": Decimal("0.5"),
            "public_ip": Decimal("100"),
            "bandwidth_mbps": Decimal("50"),
        }
    )
    # Requests estimated at or above this monthly cost also need finance's signature.
    finance_threshold: Decimal = Field(default=Decimal("20000"), ge=0)
    # Days before ``ends_on`` at which the department is reminded (largest first).
    reminder_days: tuple[int, ...] = (30, 7, 1)
    # Longest term a request may ask for (and a renewal may extend to), in days.
    max_term_days: int = Field(default=3 * 366, ge=1)


class ProvisioningSettings(BaseModel):
    """Pulumi stacks and the Kubernetes cluster they deploy to (``GOVCLOUD_PROVISIONING__*``)."""

    # Pulumi's local file backend keeps every stack's state here (``file://<state_dir>``).
    state_dir: Path = Path(".govcloud/pulumi")
    # Empty passphrase: the stacks hold no secrets; set one if a stack ever does.
    passphrase: SecretStr = SecretStr("")
    pulumi_command: str = "pulumi"
    kubeconfig: Path | None = None  # no kubeconfig: no cluster (drift says so)
    kube_context: str | None = None
    group_prefix: str = "govcloud"  # RBAC groups: <prefix>:<department>:admin|user
    default_mlps_level: int = Field(default=2, ge=1, le=4)
    kubernetes_version: str = "1.33"  # the schema rendered manifests are validated against
    agent_image: str = "registry.govcloud.local/govcloud/agent:0.1.0"
    control_panel_url: str = "https://govcloud.local"


class MigrationSettings(BaseModel):
    # Where each migration run keeps its Ansible home, artifacts, keys (0600) and dumps.
    run_root: str = "./var/migration-runs"
    playbook_timeout_s: int = Field(default=3600, ge=10)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GOVCLOUD_", env_nested_delimiter="__", extra="ignore"
    )

    demo: bool = False
    secret_key: SecretStr = SecretStr("change-me")
    database_url: str = "sqlite:///./govcloud.db"
    database_echo: bool = False
    jobs: JobSettings = JobSettings()
    web: WebSettings = WebSettings()
    security: SecuritySettings = SecuritySettings()
    inventory: InventorySettings = InventorySettings()
    requests: RequestSettings = RequestSettings()
    provisioning: ProvisioningSettings = ProvisioningSettings()
    migration: MigrationSettings = MigrationSettings()

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        weak = secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH
        if weak and not self.demo:
            raise ValueError(
                "GOVCLOUD_SECRET_KEY is a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; set a random secret "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))') "
                "or run in demo mode (GOVCLOUD_DEMO=1)"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()

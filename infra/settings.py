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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "demo"})
MIN_SECRET_LENGTH = 32


class JobSettings(BaseModel):
    """``GOVCLOUD_JOBS__*``: where jobs run, and the lease every running job holds."""

    workers: int = Field(default=4, ge=1, le=64)
    # embedded: threads in each panel process (SQLite, one machine).  procrastinate: panels
    # defer into PostgreSQL in the writer's transaction and ``govcloud worker`` runs them.
    backend: Literal["embedded", "procrastinate"] = "embedded"
    # A running job's lease lasts lease_s and is renewed every heartbeat_s; a job is retried
    # or failed only once its lease has lapsed.  Keep heartbeat_s well below lease_s.
    lease_s: float = Field(default=60.0, gt=0, le=3600)
    heartbeat_s: float = Field(default=10.0, gt=0, le=600)
    # How often each process reaps lapsed leases and ticks the scheduler.
    maintenance_s: float = Field(default=5.0, gt=0, le=600)
    # Embedded backend only: whether the panel process ticks the scheduler.
    scheduler_in_panel: bool = True

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> JobSettings:
        if self.heartbeat_s >= self.lease_s:
            raise ValueError("jobs.heartbeat_s must be shorter than jobs.lease_s")
        return self


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


class ServiceLevelSettings(BaseModel):
    """Probes, incidents, maintenance windows and SLOs (``GOVCLOUD_SERVICE_LEVELS__*``)."""

    # Downtime counts only in runs of at least this many consecutive failed minutes.
    min_downtime_run_minutes: int = Field(default=5, ge=1, le=60)
    # A service's probe failing this many times in a row opens an incident by itself.
    incident_after_failures: int = Field(default=3, ge=1, le=100)
    auto_incident_severity: Literal["P1", "P2", "P3", "P4"] = "P2"
    # Providers announce maintenance at least this many hours before it starts.
    maintenance_min_notice_hours: int = Field(default=72, ge=0, le=24 * 90)
    maintenance_max_hours: int = Field(default=12, ge=1, le=24 * 7)
    # Probes in flight at once, per scheduler run; a hung target costs its timeout, no thread.
    probe_concurrency: int = Field(default=64, ge=1, le=10_000)
    # Response / recovery targets (minutes) when the contract's sla_terms name none.
    default_response_minutes: dict[str, int] = Field(
        default_factory=lambda: {"P1": 15, "P2": 30, "P3": 120, "P4": 480}
    )
    default_recovery_minutes: dict[str, int] = Field(
        default_factory=lambda: {"P1": 240, "P2": 480, "P3": 1440, "P4": 4320}
    )
    # Alertmanager-compatible webhook for burn-rate alerts (empty: shown in the portal only).
    alert_webhook_url: str = ""
    alert_webhook_timeout_s: float = Field(default=5.0, gt=0, le=60)


class AuditSettings(BaseModel):
    """Signed checkpoints of the audit chain (``GOVCLOUD_AUDIT__*``)."""

    # Ed25519 private key (PEM, 0600) that signs checkpoints; keep it off the database host's
    # backups.  Demo mode generates it when absent; otherwise a missing key is an error.
    key_path: Path = Path(".govcloud/audit-signing.key")
    # What a verifier needs: the public key (PEM).  Empty: derived from ``key_path``.
    public_key_path: str = ""
    # A checkpoint is signed when the chain crosses a multiple of this many entries, or when
    # this many seconds have passed since the last one (at the next audited commit).
    checkpoint_every: int = Field(default=1000, ge=1)
    checkpoint_seconds: int = Field(default=300, ge=1)
    # Every checkpoint is also appended to this JSON-lines file (a copy outside the
    # database); empty: the table only.
    checkpoint_export: str = ".govcloud/audit-checkpoints.jsonl"


class MonitoringSettings(BaseModel):
    """Host agents' samples and the panel's own ``/metrics`` (``GOVCLOUD_MONITORING__*``)."""

    # Retention per storage tier, in days: raw samples, 1-minute and 1-hour roll-ups.
    raw_retention_days: int = Field(default=7, ge=1, le=3660)
    minute_retention_days: int = Field(default=90, ge=1, le=3660)
    hour_retention_days: int = Field(default=3 * 366, ge=1, le=36600)
    # A pushed batch is refused whole beyond these limits.
    max_batch_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_batch_samples: int = Field(default=50_000, ge=1)
    max_future_skew_s: int = Field(default=300, ge=0)  # agent clocks ahead of the panel's
    # Samples older than this are refused (default: the raw tier's retention).
    max_sample_age_s: int | None = Field(default=None, ge=60)
    # Empty: the panel's /metrics is public; set: Prometheus must send this bearer token.
    panel_metrics_token: SecretStr = SecretStr("")
    # Where the at-scale source reads samples from (empty: the embedded database).
    prometheus_url: str = ""

    @property
    def sample_max_age_s(self) -> int:
        return self.max_sample_age_s or self.raw_retention_days * 86400


class BillingSettings(BaseModel):
    # How a provider's fixed contract fee (shared capacity) is spread over departments:
    # "usage" (by their variable cost), "quota" (by their vCPU quota) or "fixed_share".
    shared_cost_rule: str = Field(default="usage", pattern="^(usage|quota|fixed_share)$")
    # Fixed shares, department code -> weight (only for "fixed_share").
    fixed_shares: dict[str, int] = Field(default_factory=dict)
    # False: only the utilised fraction of the fee is spread; the idle rest stays unallocated
    # (the cloud office's own cost).  True: departments carry the idle capacity too.
    allocate_idle: bool = False
    # Optional charge for reserved-but-unused quota, as a fraction of the price ("0" = off).
    reserved_quota_rate: Decimal = Field(default=Decimal(0), ge=0, le=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GOVCLOUD_", env_nested_delimiter="__", extra="ignore"
    )

    demo: bool = False
    secret_key: SecretStr = SecretStr("change-me")
    database_url: str = "sqlite:///./govcloud.db"
    database_echo: bool = False
    # Times are stored in UTC and shown in this IANA zone on pages and PDFs.
    display_timezone: str = "Asia/Shanghai"
    jobs: JobSettings = JobSettings()
    web: WebSettings = WebSettings()
    security: SecuritySettings = SecuritySettings()
    inventory: InventorySettings = InventorySettings()
    requests: RequestSettings = RequestSettings()
    provisioning: ProvisioningSettings = ProvisioningSettings()
    migration: MigrationSettings = MigrationSettings()
    service_levels: ServiceLevelSettings = ServiceLevelSettings()
    audit: AuditSettings = AuditSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    billing: BillingSettings = BillingSettings()

    @field_validator("display_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"GOVCLOUD_DISPLAY_TIMEZONE: unknown time zone {value!r}; "
                "use an IANA name such as Asia/Shanghai or UTC"
            ) from exc
        return value

    @property
    def display_zone(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)

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

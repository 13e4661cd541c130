"""Discovery's data: the facts a probe returns, targets, credentials and sweep results."""

from __future__ import annotations

import datetime as dt
import ipaddress
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from infra.discovery.enums import Reachability
from infra.schemas import InputModel, OutputModel


class CpuFacts(BaseModel):
    count: int
    model: str | None = None


class MemoryFacts(BaseModel):
    total_kib: int
    available_kib: int
    swap_kib: int = 0


class FilesystemFacts(BaseModel):
    device: str
    fstype: str
    mount: str
    size_kib: int
    used_kib: int
    available_kib: int


class ListeningPort(BaseModel):
    address: str
    port: int
    pid: int | None = None
    process: str | None = None


class Connection(BaseModel):
    direction: Literal["inbound", "outbound"]
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    service_port: int  # the port of the side that listens
    pid: int | None = None
    process: str | None = None


class DataDirFacts(BaseModel):
    path: str
    size_kib: int


class DatabaseEngineFacts(BaseModel):
    engine: str
    binaries: list[str] = []
    data_dirs: list[DataDirFacts] = []
    ports: list[int] = []


class UtilisationFacts(BaseModel):
    """CPU busy and memory used, in percent, over the sampling window."""

    samples: int
    window_s: Decimal
    cpu_p50: Decimal
    cpu_p95: Decimal
    cpu_max: Decimal
    memory_p50: Decimal
    memory_p95: Decimal
    memory_max: Decimal


class HostFacts(BaseModel):
    hostname: str
    os_name: str | None = None
    os_id: str | None = None
    os_version: str | None = None
    kernel: str
    cpu: CpuFacts
    memory: MemoryFacts
    filesystems: list[FilesystemFacts] = []
    listening: list[ListeningPort] = []
    connections: list[Connection] = []
    databases: list[DatabaseEngineFacts] = []
    data_dirs: list[DataDirFacts] = []
    utilisation: UtilisationFacts


class ProbeTarget(BaseModel):
    """One host to probe, with its decrypted key (never stored or returned)."""

    key: int | str  # the caller's handle for this host
    address: str
    port: int = 22
    username: str = "root"
    private_key: str = Field(repr=False)
    known_keys: list[tuple[str, str]] = []  # (key type, base64) govcloud trusts for this host
    data_dirs: list[str] = []


class ProbeResult(BaseModel):
    key: int | str
    address: str
    port: int
    reachability: Reachability
    error: str | None = None
    facts: HostFacts | None = None
    offered_key: tuple[str, str] | None = None  # what the host presented, if it was unknown
    seconds: Decimal = Decimal(0)


class DependencyEdgeFacts(BaseModel):
    source: int | str
    target: int | str
    port: int
    process: str | None = None


# --- API --------------------------------------------------------------------------------


class CredentialCreate(InputModel):
    name: str = Field(min_length=1, max_length=100)
    username: str = Field(default="root", min_length=1, max_length=64)
    private_key: str = Field(min_length=1, max_length=20000, repr=False)
    department_id: int | None = None


class CredentialRead(OutputModel):
    """A credential as the API shows it: never the key, only its fingerprint."""

    id: int
    name: str
    username: str
    fingerprint: str
    department_id: int | None
    created_at: dt.datetime


class TargetCreate(InputModel):
    address: str = Field(max_length=253)
    port: int = Field(default=22, ge=1, le=65535)
    credential_id: int | None = None
    department_id: int | None = None
    host_id: int | None = None  # the inventory's legacy server, when known
    data_dirs: list[str] = Field(default_factory=list, max_length=50)
    label: str | None = Field(default=None, max_length=100)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            if value and all(part.isalnum() or "-" in part for part in value.split(".")):
                return value.lower()
            raise ValueError("an IP address or a host name") from None

    @field_validator("data_dirs")
    @classmethod
    def _dirs(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or "\n" in path or len(path) > 400:
                raise ValueError(f"{path!r}: an absolute path of at most 400 characters")
        return value


class TargetRead(OutputModel):
    id: int
    address: str
    port: int
    label: str | None
    credential_id: int | None
    department_id: int | None
    host_id: int | None
    data_dirs: list[str]
    source: str
    reachability: Reachability
    last_error: str | None
    hostname: str | None
    facts: HostFacts | None
    collected_at: dt.datetime | None


class KnownHostKeyCreate(InputModel):
    address: str = Field(max_length=253)
    port: int = Field(default=22, ge=1, le=65535)
    key_type: str = Field(max_length=40, pattern=r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+)$")
    key: str = Field(max_length=2000, pattern=r"^[A-Za-z0-9+/=]+$")


class KnownHostKeyRead(OutputModel):
    id: int
    address: str
    port: int
    key_type: str
    key: str
    fingerprint: str
    added_at: dt.datetime


class SweepCreate(InputModel):
    target_ids: list[int] = Field(default_factory=list, max_length=5000)  # none: all visible
    concurrency: int = Field(default=16, ge=1, le=256)
    timeout_s: int = Field(default=30, ge=1, le=600)
    samples: int = Field(default=5, ge=1, le=600)
    interval_s: Decimal = Field(default=Decimal(1), ge=Decimal("0.1"), le=Decimal(60))
    accept_new_host_keys: bool = False


class EdgeRead(OutputModel):
    id: int
    source_id: int
    target_id: int
    port: int
    process: str | None
    last_seen: dt.datetime

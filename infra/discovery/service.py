"""Credentials, host keys and targets: create, import and read them (scoped by department)."""

from __future__ import annotations

import contextlib
import ipaddress
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.crud import add_audited, ensure_unique, get_or_404
from infra.discovery.enums import TargetSource
from infra.discovery.models import DependencyEdge, DiscoveryTarget, KnownHostKey, SshCredential
from infra.discovery.schemas import CredentialCreate, KnownHostKeyCreate, TargetCreate

__all__ = ["KnownHostKey", "KnownHostKeyCreate"]
from infra.discovery.secrets import seal
from infra.discovery.ssh import fingerprint, public_fingerprint
from infra.errors import FieldProblem, InvalidInput
from infra.tabular import Limits, Oversize, TableError, csv_rows
from infra.tenancy.scope import Scope
from infra.text import parse_int64, text_problem

CSV_COLUMNS = ("address", "port", "label", "credential", "department_id", "host_id", "data_dirs")
CSV_DECLARED = ("os", "vcpu", "memory_gib", "disk_gib", "role")
MAX_CSV_ROWS = 5000
CSV_LIMITS = Limits(
    max_bytes=8 * 1024 * 1024, max_rows=MAX_CSV_ROWS, max_columns=32, max_field=4000
)


def create_credential(session: Session, *, data: CredentialCreate, actor: Actor) -> SshCredential:
    """Seal and store an SSH private key; the audit log records only its fingerprint."""
    ensure_unique(session, SshCredential, "name", data.name, what="credential")
    try:
        print_ = public_fingerprint(data.private_key)
    except ValueError as exc:
        raise InvalidInput.one("private_key", str(exc)) from None
    row = SshCredential(
        name=data.name,
        username=data.username,
        sealed_key=seal(data.private_key),
        fingerprint=print_,
        department_id=data.department_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="ssh_credential",
        entity_id=row.id,
        after={"name": row.name, "username": row.username, "fingerprint": print_},
        department_id=row.department_id,
    )
    return row


def add_host_key(session: Session, *, data: KnownHostKeyCreate, actor: Actor) -> KnownHostKey:
    """Trust ``key`` for the host (replacing a key of the same type, audited)."""
    existing = session.scalar(
        select(KnownHostKey).where(
            KnownHostKey.address == data.address,
            KnownHostKey.port == data.port,
            KnownHostKey.key_type == data.key_type,
        )
    )
    try:
        print_ = fingerprint(data.key_type, data.key)
    except ValueError:
        raise InvalidInput.one("key", "not base64") from None
    if existing is not None:
        if existing.key == data.key:
            return existing
        before = {"fingerprint": existing.fingerprint}
        existing.key, existing.fingerprint = data.key, print_
        session.flush()
        record(
            session,
            actor=actor,
            action="update",
            entity="ssh_known_host_key",
            entity_id=existing.id,
            before=before,
            after={"fingerprint": print_},
        )
        return existing
    row = KnownHostKey(
        address=data.address,
        port=data.port,
        key_type=data.key_type,
        key=data.key,
        fingerprint=print_,
    )
    return add_audited(session, row, actor=actor, entity="ssh_known_host_key")


def import_known_hosts(session: Session, *, text: str, actor: Actor) -> list[KnownHostKey]:
    """Trust every key of an OpenSSH known_hosts text (plain host names, ``[host]:port``)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 3 or parts[0].startswith("|"):
            raise InvalidInput.one(f"line {number}", "expected 'host key-type base64-key'")
        for name in parts[0].split(","):
            address, port = name, 22
            if name.startswith("["):
                address, _, port_text = name[1:].partition("]:")
                parsed = parse_int64(port_text)
                if parsed is None:
                    raise InvalidInput.one(
                        f"line {number}", f"{name[:80]!r}: the port is no integer"
                    )
                port = parsed
            try:
                key = KnownHostKeyCreate(
                    address=address, port=port, key_type=parts[1], key=parts[2]
                )
            except ValidationError as exc:
                raise InvalidInput.one(f"line {number}", exc.errors()[0]["msg"]) from None
            rows.append(add_host_key(session, data=key, actor=actor))
    return rows


def known_keys_for(session: Session, *, address: str, port: int) -> list[tuple[str, str]]:
    return [
        (k.key_type, k.key)
        for k in session.scalars(
            select(KnownHostKey).where(KnownHostKey.address == address, KnownHostKey.port == port)
        )
    ]


def _check_refs(session: Session, data: TargetCreate, scope: Scope, field_prefix: str = "") -> None:
    if data.credential_id is not None and session.get(SshCredential, data.credential_id) is None:
        raise InvalidInput.one(
            f"{field_prefix}credential_id", f"no credential {data.credential_id}"
        )
    if not scope.allows(data.department_id) and not scope.is_global:
        raise InvalidInput.one(f"{field_prefix}department_id", "outside your departments")


def create_target(
    session: Session, *, data: TargetCreate, actor: Actor, scope: Scope
) -> DiscoveryTarget:
    """Register a host to discover."""
    _check_refs(session, data, scope)
    duplicate = session.scalar(
        select(DiscoveryTarget.id).where(
            DiscoveryTarget.address == data.address, DiscoveryTarget.port == data.port
        )
    )
    if duplicate is not None:
        raise InvalidInput.one(
            "address", f"{data.address}:{data.port} is already target {duplicate}"
        )
    row = DiscoveryTarget(**data.model_dump(), source=TargetSource.MANUAL)
    return add_audited(
        session, row, actor=actor, entity="discovery_target", department_id=data.department_id
    )


def import_targets_csv(
    session: Session, *, text: str, actor: Actor, scope: Scope
) -> list[DiscoveryTarget]:
    """Import hosts from CSV (all rows or none); unknown estates keep their declared sizes.

    Columns: address (required), port, label, credential (name), department_id, host_id,
    data_dirs (``;``-separated), and declared facts os, vcpu, memory_gib, disk_gib, role.
    """
    try:
        lines = list(csv_rows(text.lstrip("\ufeff"), CSV_LIMITS))
    except TableError as exc:  # bare CRs are fine; a row too wide or too many rows is not
        raise InvalidInput.one("csv", f"line {exc.line}: {exc.message}") from None
    fieldnames = [str(c).strip() for c in lines[0][1]] if lines else []
    if not fieldnames or "address" not in fieldnames:
        raise InvalidInput.one("csv", "the header must name at least the 'address' column")
    unknown = set(fieldnames) - set(CSV_COLUMNS) - set(CSV_DECLARED)
    if unknown:
        raise InvalidInput.one("csv", f"unknown columns {sorted(unknown)[:20]}")
    credentials = {c.name: c.id for c in session.scalars(select(SshCredential))}
    problems: list[FieldProblem] = []
    made: list[DiscoveryTarget] = []
    seen: set[tuple[str, int]] = set()
    for number, cells in lines[1:]:
        if not cells:
            continue
        if number - 1 > MAX_CSV_ROWS:
            raise InvalidInput.one("csv", f"at most {MAX_CSV_ROWS} rows")
        too_long = [c for c in cells if isinstance(c, Oversize)]
        if too_long:
            problems.append(FieldProblem(f"line {number}", f"a cell is {too_long[0]}"))
            continue
        raw = dict(zip(fieldnames, cells, strict=False))
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        where = f"line {number}"
        try:
            cred = row.get("credential") or None
            if cred is not None and cred not in credentials:
                raise InvalidInput.one("credential", f"no credential named {cred!r}")
            data = TargetCreate(
                address=row["address"],
                port=_integer(row.get("port") or "22", "port"),
                label=row.get("label") or None,
                credential_id=credentials.get(cred) if cred else None,
                department_id=_integer(row["department_id"], "department_id")
                if row.get("department_id")
                else None,
                host_id=_integer(row["host_id"], "host_id") if row.get("host_id") else None,
                data_dirs=[d for d in (row.get("data_dirs") or "").split(";") if d],
            )
            _check_refs(session, data, scope)
            declared = _declared(row)
        except ValidationError as exc:
            err = exc.errors()[0]
            problems.append(FieldProblem(f"{where}.{err['loc'][0]}", err["msg"]))
            continue
        except (ValueError, InvalidInput) as exc:
            problems.append(FieldProblem(where, getattr(exc, "message", str(exc))))
            continue
        key = (data.address, data.port)
        existing = session.scalar(
            select(DiscoveryTarget).where(
                DiscoveryTarget.address == data.address, DiscoveryTarget.port == data.port
            )
        )
        if key in seen or existing is not None:
            problems.append(FieldProblem(f"{where}.address", f"{data.address}:{data.port} twice"))
            continue
        seen.add(key)
        made.append(
            DiscoveryTarget(**data.model_dump(), source=TargetSource.CSV, declared=declared or None)
        )
    if problems:
        raise InvalidInput(*problems)
    for target in made:
        add_audited(
            session,
            target,
            actor=actor,
            entity="discovery_target",
            department_id=target.department_id,
        )
    return made


def _declared(row: dict[str, str]) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for name in CSV_DECLARED:
        value = row.get(name)
        if not value:
            continue
        if name in ("vcpu", "memory_gib", "disk_gib"):
            number = _integer(value, name)
            if number < 0 or number > 1_000_000:
                raise ValueError(f"{name}: between 0 and 1000000")
            declared[name] = number
        else:
            if problem := text_problem(value):
                raise ValueError(f"{name}: {problem}")
            declared[name] = value[:200]
    return declared


def _integer(value: str, name: str) -> int:
    number = parse_int64(value.strip())
    if number is None:
        raise ValueError(f"{name}: must be an integer in digits 0-9")
    return number


def get_target(session: Session, *, target_id: int, scope: Scope) -> DiscoveryTarget:
    row = get_or_404(session, DiscoveryTarget, target_id, entity="discovery target")
    scope.require("discovery target", target_id, row.department_id)
    return row


def list_targets(session: Session, *, scope: Scope) -> list[DiscoveryTarget]:
    return list(
        session.scalars(
            select(DiscoveryTarget)
            .where(scope.where(DiscoveryTarget.department_id))
            .order_by(DiscoveryTarget.id)
        )
    )


def list_edges(session: Session, *, scope: Scope) -> list[DependencyEdge]:
    visible = {t.id for t in list_targets(session, scope=scope)}
    edges = session.scalars(select(DependencyEdge).order_by(DependencyEdge.id))
    return [e for e in edges if e.source_id in visible and e.target_id in visible]


def target_for_address(session: Session, *, address: str) -> DiscoveryTarget | None:
    with contextlib.suppress(ValueError):
        address = str(ipaddress.ip_address(address))
    return session.scalar(select(DiscoveryTarget).where(DiscoveryTarget.address == address))

"""Importing a survey: check every row against the others and the database, then write all
of it or nothing.

Rows are matched by natural key (room and application ``code``, server and device ``name``,
line ``circuit_id``): a key already in the inventory is updated, a new one inserted, an
identical one left alone, so importing the same survey twice changes nothing.  Rows missing
from a survey are not deleted (a survey is a report, not the whole truth).  Writes are bulk
statements, one per kind and action; the import is one audit entry listing every key it
created or updated.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import serialize_on
from infra.errors import FieldProblem, InvalidInput
from infra.inventory.enums import HostStatus, SiteKind
from infra.inventory.models import Application, CarrierLink, Device, Host, Site
from infra.inventory.survey import (
    ROW_TYPES,
    ApplicationRow,
    DeviceRow,
    LineRow,
    RoomRow,
    ServerRow,
    SurveyRow,
)
from infra.inventory.survey_files import RowError, SourcedRow, SurveyBatch, read_file
from infra.tenancy.models import Department
from infra.text import text_problem

MAX_REPORTED = 1000
CHUNK = 500
MODELS: dict[str, tuple[type[Any], str]] = {
    "rooms": (Site, "code"),
    "applications": (Application, "code"),
    "servers": (Host, "name"),
    "devices": (Device, "name"),
    "lines": (CarrierLink, "circuit_id"),
}


class SurveyRejected(InvalidInput):
    """The survey broke a rule somewhere; ``rows`` says where, and nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        ordered = sorted(errors)
        problems = [
            FieldProblem(f"{e.file}:{e.line}:{e.column}".rstrip(":"), e.reason)
            for e in ordered[:MAX_REPORTED]
        ]
        super().__init__(*problems)
        self.rows = ordered
        more = f" (first {MAX_REPORTED} listed)" if len(ordered) > MAX_REPORTED else ""
        self.message = (
            f"{len(ordered)} problem(s) in the survey{more}; nothing was imported. "
            + "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
        )


@dataclass
class KindReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    kinds: dict[str, KindReport] = field(
        default_factory=lambda: {row.kind: KindReport() for row in ROW_TYPES}
    )

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                "created": len(r.created),
                "updated": len(r.updated),
                "unchanged": r.unchanged,
            }
            for kind, r in self.kinds.items()
        }


@dataclass
class _Known:
    """What rows may refer to: the database's rows and the batch's own."""

    departments: dict[str, int]
    rooms: dict[str, SiteKind]  # code -> kind (legacy rooms in the batch count as legacy)
    applications: dict[str, Any]  # code -> zone
    cloud_hosts: set[str]


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _existing(session: Session, kind: str, keys: Sequence[str]) -> dict[str, Any]:
    model, key_name = MODELS[kind]
    found: dict[str, Any] = {}
    column = getattr(model, key_name)
    for chunk in _chunks(keys):
        for row in session.scalars(select(model).where(column.in_(chunk))):
            found[getattr(row, key_name)] = row
    return found


def bulk_insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in a few round trips: with RETURNING, SQLAlchemy batches the rows
    into multi-row INSERTs ("insertmanyvalues") on every backend, where psycopg's plain
    executemany would send one statement per row."""
    if rows:
        session.execute(insert(model).returning(model.id), rows).all()


def department_ids(session: Session) -> dict[str, int]:
    """Departments by code, and by full name where no other department shares it."""
    rows = session.execute(select(Department.code, Department.name, Department.id)).all()
    names = Counter(name for _, name, _ in rows)
    by_name = {name: dept_id for _, name, dept_id in rows if names[name] == 1}
    return {**by_name, **{code: dept_id for code, _, dept_id in rows}}


def _check(session: Session, batch: SurveyBatch) -> list[RowError]:
    """Every rule a row can break against the rest of the survey and the inventory."""
    errors: list[RowError] = list(batch.errors)
    rows = batch.rows
    for sourced in rows.values():
        first: dict[str, SourcedRow] = {}
        for item in sourced:
            seen = first.setdefault(item.row.key, item)
            if seen is not item:
                reason = f"duplicate key {item.row.key!r}: also on {seen.file} line {seen.line}"
                errors.append(RowError(item.file, item.line, item.row.key_field, reason))
    known = _Known(
        departments=department_ids(session),
        rooms=dict(session.execute(select(Site.code, Site.kind)).all()),
        applications=dict(session.execute(select(Application.code, Application.zone)).all()),
        cloud_hosts=set(session.scalars(select(Host.name).where(Host.provider_id.is_not(None)))),
    )
    for item in rows["rooms"]:
        if known.rooms.get(item.row.key) is SiteKind.CLOUD:
            reason = f"{item.row.key!r} is a shared-cloud site, not a legacy machine room"
            errors.append(RowError(item.file, item.line, "code", reason))
    refused = batch.refused_keys
    known.rooms.update(dict.fromkeys(refused["rooms"], SiteKind.LEGACY_ROOM))
    known.rooms.update({i.row.key: SiteKind.LEGACY_ROOM for i in rows["rooms"]})
    known.applications.update(dict.fromkeys(refused["applications"]))
    known.applications.update({i.row.key: i.row.zone for i in rows["applications"]})  # type: ignore[attr-defined]

    def refer(item: SourcedRow, column: str, table: dict[str, Any], what: str) -> None:
        value = getattr(item.row, column)
        if value is not None and value not in table:
            errors.append(RowError(item.file, item.line, column, f"no {what} {value!r}"))
        elif value is not None and table is known.rooms and table[value] is SiteKind.CLOUD:
            reason = f"{value!r} is a shared-cloud site, not a legacy machine room"
            errors.append(RowError(item.file, item.line, column, reason))

    for item in rows["rooms"] + rows["applications"]:
        refer(item, "department", known.departments, "department with code or name")
    for kind in ("applications", "servers", "devices", "lines"):
        for item in rows[kind]:
            refer(item, "room", known.rooms, "machine room")
    for item in rows["servers"]:
        server = item.row
        assert isinstance(server, ServerRow)
        refer(item, "application", known.applications, "application")
        if server.name in known.cloud_hosts:
            reason = f"{server.name!r} is a shared-cloud host, not a legacy server"
            errors.append(RowError(item.file, item.line, "name", reason))
        app_zone = known.applications.get(server.application or "")  # None: refused row
        if app_zone is not None and app_zone != server.zone:
            reason = (
                f"the server is on the {server.zone.value} network but its application "
                f"{server.application!r} runs on {app_zone.value}"
            )
            errors.append(RowError(item.file, item.line, "zone", reason))
    return errors


def _site_values(row: SurveyRow, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    assert isinstance(row, RoomRow)
    return {
        "code": row.code,
        "name": row.name,
        "kind": SiteKind.LEGACY_ROOM,
        "provider_id": None,
        "department_id": ids["departments"][row.department],
        "address": row.address,
        "floor_area_m2": row.floor_area_m2,
    }


def _application_values(row: SurveyRow, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    assert isinstance(row, ApplicationRow)
    return {
        "code": row.code,
        "name": row.name,
        "department_id": ids["departments"][row.department],
        "zone": row.zone,
        "mlps_level": row.mlps_level,
        "site_id": ids["rooms"][row.room] if row.room else None,
    }


def _host_values(row: SurveyRow, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    assert isinstance(row, ServerRow)
    return {
        "name": row.name,
        "site_id": ids["rooms"][row.room],
        "department_id": ids["room_departments"][row.room],
        "provider_id": None,
        "application_id": ids["applications"][row.application] if row.application else None,
        "model": row.model,
        "vcpu": row.vcpu,
        "cores": row.cores,
        "memory_gib": row.memory_gib,
        "disk_gib": row.disk_gib,
        "power_draw_w": row.power_draw_w,
        "purchase_year": row.purchase_year,
        "zone": row.zone,
        "max_mlps_level": ids["application_levels"].get(row.application or "", 2),
    }


def _device_values(row: SurveyRow, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    assert isinstance(row, DeviceRow)
    return {
        "name": row.name,
        "kind": row.device_type,
        "site_id": ids["rooms"][row.room],
        "department_id": ids["room_departments"][row.room],
        "model": row.model,
        "power_draw_w": row.power_draw_w,
        "purchase_year": row.purchase_year,
    }


def _line_values(row: SurveyRow, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    assert isinstance(row, LineRow)
    return {
        "circuit_id": row.circuit_id,
        "carrier": row.carrier,
        "bandwidth_mbps": row.bandwidth_mbps,
        "a_site_id": ids["rooms"][row.room],
        "department_id": ids["room_departments"][row.room],
        "z_end": row.z_end,
        "zone": row.zone,
        "monthly_cost": row.monthly_cost,
    }


VALUES: dict[str, Callable[[SurveyRow, dict[str, dict[str, int]]], dict[str, Any]]] = {
    "rooms": _site_values,
    "applications": _application_values,
    "servers": _host_values,
    "devices": _device_values,
    "lines": _line_values,
}
INSERT_ONLY: dict[str, dict[str, Any]] = {"servers": {"status": HostStatus.ACTIVE, "u_height": 1}}


def _write_kind(
    session: Session,
    kind: str,
    rows: list[SourcedRow],
    ids: dict[str, dict[str, int]],
    report: KindReport,
) -> None:
    model = MODELS[kind][0]
    existing = _existing(session, kind, [item.row.key for item in rows])
    inserts, updates = [], []
    for item in rows:
        values = VALUES[kind](item.row, ids)
        current = existing.get(item.row.key)
        if current is None:
            inserts.append({**values, **INSERT_ONLY.get(kind, {})})
            report.created.append(item.row.key)
        elif any(getattr(current, name) != value for name, value in values.items()):
            updates.append({"id": current.id, **values})
            report.updated.append(item.row.key)
        else:
            report.unchanged += 1
    bulk_insert(session, model, inserts)
    if updates:
        session.execute(update(model), updates)


def import_survey(
    session: Session, *, batch: SurveyBatch, actor: Actor, source: str, digest: str | None = None
) -> ImportReport:
    """Write the whole survey or, if any row breaks a rule, nothing (SurveyRejected).
    The audit entry is keyed by ``digest`` (the files' SHA-256) or else by ``source``."""
    serialize_on(session, "inventory:survey")
    errors = _check(session, batch)
    if errors:
        raise SurveyRejected(errors)
    report = ImportReport(source)
    ids: dict[str, dict[str, int]] = {"departments": department_ids(session)}
    for kind in ("rooms", "applications", "servers", "devices", "lines"):
        _write_kind(session, kind, batch.rows[kind], ids, report.kinds[kind])
        session.flush()
        if kind == "rooms":
            sites = session.execute(
                select(Site.code, Site.id, Site.department_id).where(
                    Site.kind == SiteKind.LEGACY_ROOM
                )
            ).all()
            ids["rooms"] = {code: site_id for code, site_id, _ in sites}
            ids["room_departments"] = {code: dept for code, _, dept in sites if dept is not None}
        elif kind == "applications":
            apps = session.execute(
                select(Application.code, Application.id, Application.mlps_level)
            ).all()
            ids["applications"] = {code: app_id for code, app_id, _ in apps}
            ids["application_levels"] = {code: level for code, _, level in apps}
    changed = {
        kind: {"created": r.created, "updated": r.updated}
        for kind, r in report.kinds.items()
        if r.created or r.updated
    }
    if changed:
        record(
            session,
            actor=actor,
            action="import",
            entity="inventory_survey",
            entity_id=digest or source[:100],
            after={"source": source, "changes": changed, "counts": report.counts()},
        )
    session.expire_all()
    return report


@dataclass(frozen=True)
class ParsedFiles:
    """Survey files read and checked, not yet written: the pure half of an import, done
    before any transaction opens (``read_files``)."""

    batch: SurveyBatch
    source: str
    digest: str


def read_files(files: Sequence[tuple[str, bytes]], *, kind: str | None = None) -> ParsedFiles:
    """Read and check survey files (no database: call it outside any transaction)."""
    batch = SurveyBatch()
    digest = hashlib.sha256()
    for name, data in files:
        if problem := text_problem(name):  # the name is stored (the import's source)
            raise InvalidInput.one("files", f"a file name {problem}")
        batch.extend(read_file(name, data, kind=kind))
        digest.update(hashlib.sha256(data).digest())
    source = ", ".join(name for name, _ in files)[:500] or "survey"
    return ParsedFiles(batch=batch, source=source, digest=digest.hexdigest())


def import_files(
    session: Session,
    *,
    files: Sequence[tuple[str, bytes]] | ParsedFiles,
    actor: Actor,
    kind: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Check and import survey files together (read first, if given as bytes); ``dry_run``
    reports and writes nothing."""
    parsed = files if isinstance(files, ParsedFiles) else read_files(files, kind=kind)
    batch, source, key = parsed.batch, parsed.source, parsed.digest
    if not dry_run:
        return import_survey(session, batch=batch, actor=actor, source=source, digest=key)
    savepoint = session.begin_nested()
    try:
        report = import_survey(session, batch=batch, actor=actor, source=source, digest=key)
    finally:
        savepoint.rollback()
    report.dry_run = True
    return report

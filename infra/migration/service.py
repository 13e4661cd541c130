"""Legacy systems: register, read (scoped), link dependencies and take in discovery's facts."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.crud import add_audited, get_or_404
from infra.discovery.models import DependencyEdge, DiscoveryTarget
from infra.errors import Conflict, InvalidInput
from infra.inventory.models import Application
from infra.migration.enums import DependencySource
from infra.migration.models import (
    LegacySystem,
    SystemDatabase,
    SystemDataDir,
    SystemDependency,
    SystemServer,
)
from infra.migration.schemas import SystemCreate, SystemRead
from infra.tenancy.scope import Scope


def register_system(
    session: Session, *, data: SystemCreate, actor: Actor, scope: Scope
) -> LegacySystem:
    """Register an inventory application as a legacy system to migrate, with its servers."""
    app = session.get(Application, data.application_id)
    if app is None or not scope.allows(app.department_id):
        raise InvalidInput.one("application_id", f"no application {data.application_id}")
    if session.scalar(select(LegacySystem.id).where(LegacySystem.application_id == app.id)):
        raise Conflict("application_id", f"application {app.code} is already a legacy system")
    system = LegacySystem(
        application_id=app.id,
        department_id=app.department_id,
        criticality=data.criticality,
        downtime_windows=[w.model_dump() for w in data.downtime_windows],
        max_downtime_hours=data.max_downtime_hours,
        notes=data.notes,
    )
    add_audited(
        session, system, actor=actor, entity="legacy_system", department_id=app.department_id
    )
    for link in data.servers:
        attach_server(session, system=system, target_id=link.target_id, role=link.role, actor=actor)
    return system


def attach_server(
    session: Session, *, system: LegacySystem, target_id: int, role: str, actor: Actor
) -> SystemServer:
    """Make a discovery target one of the system's servers (a server serves one system)."""
    target = session.get(DiscoveryTarget, target_id)
    if target is None:
        raise InvalidInput.one("servers.target_id", f"no discovery target {target_id}")
    if target.department_id not in (None, system.department_id):
        raise InvalidInput.one("servers.target_id", f"target {target_id} is another department's")
    taken = session.scalar(select(SystemServer).where(SystemServer.target_id == target_id))
    if taken is not None:
        raise Conflict(
            "servers.target_id", f"target {target_id} already serves system {taken.system_id}"
        )
    server = SystemServer(system_id=system.id, target_id=target_id, role=role)
    return add_audited(
        session,
        server,
        actor=actor,
        entity="legacy_system_server",
        department_id=system.department_id,
    )


def get_system(session: Session, *, system_id: int, scope: Scope) -> LegacySystem:
    system = get_or_404(session, LegacySystem, system_id, entity="legacy system")
    scope.require("legacy system", system_id, system.department_id)
    return system


def list_systems(session: Session, *, scope: Scope) -> list[LegacySystem]:
    return list(
        session.scalars(
            select(LegacySystem)
            .where(scope.where(LegacySystem.department_id))
            .order_by(LegacySystem.id)
        )
    )


def add_dependency(
    session: Session,
    *,
    system_id: int,
    depends_on_id: int,
    actor: Actor,
    scope: Scope,
    source: DependencySource = DependencySource.DECLARED,
    ports: list[int] | None = None,
) -> SystemDependency:
    """Record that ``system_id`` needs ``depends_on_id`` (idempotent; ports are merged)."""
    system = get_system(session, system_id=system_id, scope=scope)
    if depends_on_id == system_id:
        raise InvalidInput.one("depends_on_id", "a system cannot depend on itself")
    if session.get(LegacySystem, depends_on_id) is None:
        raise InvalidInput.one("depends_on_id", f"no legacy system {depends_on_id}")
    row = session.scalar(
        select(SystemDependency).where(
            SystemDependency.system_id == system_id,
            SystemDependency.depends_on_id == depends_on_id,
        )
    )
    if row is not None:
        merged = sorted(set(row.ports) | set(ports or []))
        if merged != row.ports:
            row.ports = merged
        return row
    row = SystemDependency(
        system_id=system_id, depends_on_id=depends_on_id, source=source, ports=sorted(ports or [])
    )
    return add_audited(
        session,
        row,
        actor=actor,
        entity="legacy_system_dependency",
        department_id=system.department_id,
    )


def refresh_from_discovery(
    session: Session, *, system_id: int, actor: Actor, scope: Scope
) -> LegacySystem:
    """Take in the latest facts of the system's servers: data directories, database engines,
    and dependencies on the systems its servers were seen talking to."""
    system = get_system(session, system_id=system_id, scope=scope)
    servers = list(session.scalars(select(SystemServer).where(SystemServer.system_id == system.id)))
    targets = {s.target_id: session.get(DiscoveryTarget, s.target_id) for s in servers}
    for target_id, target in targets.items():
        facts = (target.facts if target else None) or {}
        for found in facts.get("data_dirs", []):
            row = session.scalar(
                select(SystemDataDir).where(
                    SystemDataDir.system_id == system.id,
                    SystemDataDir.target_id == target_id,
                    SystemDataDir.path == found["path"],
                )
            )
            if row is None:
                session.add(
                    SystemDataDir(
                        system_id=system.id,
                        target_id=target_id,
                        path=found["path"],
                        size_kib=found["size_kib"],
                    )
                )
            else:
                row.size_kib = found["size_kib"]
        for engine in facts.get("databases", []):
            size = sum(d["size_kib"] for d in engine.get("data_dirs", [])) or None
            name = f"{engine['engine']}@{target.address if target else target_id}"
            row_db = session.scalar(
                select(SystemDatabase).where(
                    SystemDatabase.system_id == system.id, SystemDatabase.name == name
                )
            )
            if row_db is None:
                session.add(
                    SystemDatabase(
                        system_id=system.id,
                        target_id=target_id,
                        engine=engine["engine"],
                        name=name,
                        size_kib=size,
                        data_dir=(engine.get("data_dirs") or [{}])[0].get("path"),
                    )
                )
            elif size is not None:
                row_db.size_kib = size
    owner = {s.target_id: s.system_id for s in session.scalars(select(SystemServer))}
    ports: dict[int, set[int]] = defaultdict(set)
    for edge in session.scalars(
        select(DependencyEdge).where(DependencyEdge.source_id.in_(list(targets)))
    ):
        other = owner.get(edge.target_id)
        if other is not None and other != system.id:
            ports[other].add(edge.port)
    for other, found_ports in sorted(ports.items()):
        add_dependency(
            session,
            system_id=system.id,
            depends_on_id=other,
            actor=actor,
            scope=Scope.everything(),
            source=DependencySource.DISCOVERED,
            ports=sorted(found_ports),
        )
    session.flush()
    record(
        session,
        actor=actor,
        action="refresh",
        entity="legacy_system",
        entity_id=system.id,
        after={"servers": len(servers), "dependencies": {k: sorted(v) for k, v in ports.items()}},
        department_id=system.department_id,
    )
    return system


def read_system(session: Session, system: LegacySystem) -> SystemRead:
    """The system with its application's facts and its parts."""
    app = system.application
    base = {
        c: getattr(system, c)
        for c in SystemRead.model_fields
        if hasattr(system, c) and c not in ("servers", "databases", "data_dirs", "dependencies")
    }
    base |= {"code": app.code, "name": app.name, "zone": app.zone, "mlps_level": app.mlps_level}
    return SystemRead.model_validate(
        base
        | {
            "servers": list(
                session.scalars(select(SystemServer).where(SystemServer.system_id == system.id))
            ),
            "databases": list(
                session.scalars(select(SystemDatabase).where(SystemDatabase.system_id == system.id))
            ),
            "data_dirs": list(
                session.scalars(select(SystemDataDir).where(SystemDataDir.system_id == system.id))
            ),
            "dependencies": list(
                session.scalars(
                    select(SystemDependency).where(SystemDependency.system_id == system.id)
                )
            ),
        }
    )

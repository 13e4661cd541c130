"""Migration API: legacy systems, their dependencies and discovery facts."""

from __future__ import annotations

from fastapi import APIRouter, status

from infra.migration import service
from infra.migration.schemas import DependencyCreate, DependencyRead, SystemCreate, SystemRead
from portal_api.deps import MigrationReader, MigrationWriter, SessionDep

router = APIRouter(prefix="/migration", tags=["migration"])


@router.get("/systems", response_model=list[SystemRead])
def list_systems(session: SessionDep, who: MigrationReader) -> list[SystemRead]:
    return [service.read_system(session, s) for s in service.list_systems(session, scope=who.scope)]


@router.post("/systems", response_model=SystemRead, status_code=status.HTTP_201_CREATED)
def register_system(session: SessionDep, who: MigrationWriter, data: SystemCreate) -> SystemRead:
    system = service.register_system(session, data=data, actor=who.actor, scope=who.scope)
    return service.read_system(session, system)


@router.get("/systems/{system_id}", response_model=SystemRead)
def get_system(session: SessionDep, who: MigrationReader, system_id: int) -> SystemRead:
    return service.read_system(
        session, service.get_system(session, system_id=system_id, scope=who.scope)
    )


@router.post(
    "/systems/{system_id}/dependencies",
    response_model=DependencyRead,
    status_code=status.HTTP_201_CREATED,
)
def add_dependency(
    session: SessionDep, who: MigrationWriter, system_id: int, data: DependencyCreate
) -> DependencyRead:
    row = service.add_dependency(
        session,
        system_id=system_id,
        depends_on_id=data.depends_on_id,
        actor=who.actor,
        scope=who.scope,
    )
    return DependencyRead.model_validate(row)


@router.post("/systems/{system_id}/refresh", response_model=SystemRead)
def refresh_system(session: SessionDep, who: MigrationWriter, system_id: int) -> SystemRead:
    """Take in the latest discovery facts: data directories, databases, dependencies."""
    system = service.refresh_from_discovery(
        session, system_id=system_id, actor=who.actor, scope=who.scope
    )
    return service.read_system(session, system)

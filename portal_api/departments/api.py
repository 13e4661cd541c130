from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from infra.listing import ListParams
from infra.schemas import Page
from infra.tenancy import queries, service
from infra.tenancy.schemas import DepartmentCreate, DepartmentRead, DepartmentUpdate
from portal_api import access
from portal_api.deps import SessionDep
from portal_api.listing import api_page, api_params

router = APIRouter(prefix="/departments", tags=["departments"])


@router.get("", response_model=Page[DepartmentRead])
def list_departments(
    session: SessionDep,
    principal: access.DepartmentRead,
    params: Annotated[ListParams, Depends(api_params(queries.departments_list()))],
) -> Page[DepartmentRead]:
    """Departments the caller can see (a department's members: their own subtree)."""
    return api_page(
        session,
        queries.departments_list(),
        queries.departments(principal.scope),
        params,
        DepartmentRead,
    )


@router.post("", response_model=DepartmentRead, status_code=status.HTTP_201_CREATED)
def create_department(
    session: SessionDep, principal: access.DepartmentWrite, data: DepartmentCreate
) -> DepartmentRead:
    department = service.create_department(session, data=data, actor=principal.actor)
    return DepartmentRead.model_validate(department)


@router.get("/{department_id}", response_model=DepartmentRead)
def get_department(
    session: SessionDep, principal: access.DepartmentRead, department_id: int
) -> DepartmentRead:
    department = service.get_department(session, scope=principal.scope, department_id=department_id)
    return DepartmentRead.model_validate(department)


@router.patch("/{department_id}", response_model=DepartmentRead)
def update_department(
    session: SessionDep,
    principal: access.DepartmentWrite,
    department_id: int,
    data: DepartmentUpdate,
) -> DepartmentRead:
    department = service.update_department(
        session,
        scope=principal.scope,
        department_id=department_id,
        data=data,
        actor=principal.actor,
    )
    return DepartmentRead.model_validate(department)


@router.delete("/{department_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_department(
    session: SessionDep, principal: access.DepartmentWrite, department_id: int
) -> Response:
    service.delete_department(
        session, scope=principal.scope, department_id=department_id, actor=principal.actor
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)

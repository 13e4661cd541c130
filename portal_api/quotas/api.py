from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from infra.listing import ListParams
from infra.schemas import Page
from infra.tenancy import queries, service
from infra.tenancy.schemas import QuotaCreate, QuotaRead, QuotaUpdate
from portal_api import access
from portal_api.deps import SessionDep
from portal_api.listing import api_page, api_params

router = APIRouter(prefix="/quotas", tags=["quotas"])


@router.get("", response_model=Page[QuotaRead])
def list_quotas(
    session: SessionDep,
    principal: access.QuotaRead,
    params: Annotated[ListParams, Depends(api_params(queries.quotas_list()))],
) -> Page[QuotaRead]:
    """Quotas the caller may see: sort, search (department), filters."""
    return api_page(
        session, queries.quotas_list(), queries.quotas(principal.scope), params, QuotaRead
    )


@router.post("", response_model=QuotaRead, status_code=status.HTTP_201_CREATED)
def create_quota(session: SessionDep, principal: access.QuotaWrite, data: QuotaCreate) -> QuotaRead:
    quota = service.create_quota(session, scope=principal.scope, data=data, actor=principal.actor)
    return QuotaRead.model_validate(quota)


@router.get("/{quota_id}", response_model=QuotaRead)
def get_quota(session: SessionDep, principal: access.QuotaRead, quota_id: int) -> QuotaRead:
    return QuotaRead.model_validate(
        service.get_quota(session, scope=principal.scope, quota_id=quota_id)
    )


@router.patch("/{quota_id}", response_model=QuotaRead)
def update_quota(
    session: SessionDep, principal: access.QuotaWrite, quota_id: int, data: QuotaUpdate
) -> QuotaRead:
    quota = service.update_quota(
        session, scope=principal.scope, quota_id=quota_id, data=data, actor=principal.actor
    )
    return QuotaRead.model_validate(quota)


@router.delete("/{quota_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_quota(session: SessionDep, principal: access.QuotaWrite, quota_id: int) -> Response:
    service.delete_quota(session, scope=principal.scope, quota_id=quota_id, actor=principal.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from infra.listing import ListParams
from infra.schemas import Page
from infra.tenancy import accounts, queries
from infra.tenancy.schemas import UserCreate, UserRead, UserUpdate
from portal_api import access
from portal_api.deps import SessionDep
from portal_api.listing import api_page, api_params

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserRead])
def list_users(
    session: SessionDep,
    principal: access.UserRead,
    params: Annotated[ListParams, Depends(api_params(queries.users_list()))],
) -> Page[UserRead]:
    """Users the caller may see: sort, search (username, display name), filters."""
    return api_page(session, queries.users_list(), queries.users(principal.scope), params, UserRead)


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(session: SessionDep, principal: access.UserWrite, data: UserCreate) -> UserRead:
    user = accounts.create_user(session, scope=principal.scope, data=data, actor=principal.actor)
    return UserRead.model_validate(user)


@router.get("/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, principal: access.UserRead, user_id: int) -> UserRead:
    return UserRead.model_validate(
        accounts.get_user(session, scope=principal.scope, user_id=user_id)
    )


@router.patch("/{user_id}", response_model=UserRead)
def update_user(
    session: SessionDep, principal: access.UserWrite, user_id: int, data: UserUpdate
) -> UserRead:
    user = accounts.update_user(
        session, scope=principal.scope, user_id=user_id, data=data, actor=principal.actor
    )
    return UserRead.model_validate(user)

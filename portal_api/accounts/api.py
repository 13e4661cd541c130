from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from infra.audit.actor import Actor
from infra.tenancy import accounts, signin
from infra.tenancy.schemas import TokenCreate, TokenIssued, TokenLogin, TokenRead, UserRead
from portal_api import access
from portal_api.deps import PUBLIC, SessionDep, source_of

router = APIRouter(prefix="/auth", tags=["auth"])


def _issued(token: object, plaintext: str) -> TokenIssued:
    return TokenIssued.model_validate(
        {**TokenRead.model_validate(token).model_dump(), "token": plaintext}
    )


@router.post(
    "/token", response_model=TokenIssued, status_code=status.HTTP_201_CREATED, dependencies=[PUBLIC]
)
def login_for_token(request: Request, session: SessionDep, data: TokenLogin) -> TokenIssued:
    """Exchange a username and password for an API token (for scripts and the CLI); 429 with
    ``Retry-After`` after too many failures for the account or the address."""
    user = signin.sign_in(
        session, username=data.username, password=data.password, source=source_of(request)
    )
    actor = Actor(username=user.username, user_id=user.id, role=user.role)
    token, plaintext = accounts.issue_token(
        session, user=user, name=data.name, expires_in_days=data.expires_in_days, actor=actor
    )
    return _issued(token, plaintext)


@router.get("/me", response_model=UserRead)
def me(principal: access.Self) -> UserRead:
    return UserRead.model_validate(principal.user)


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: SessionDep, principal: access.Self) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in accounts.list_tokens(session, user=principal.user)]


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def create_token(session: SessionDep, principal: access.Self, data: TokenCreate) -> TokenIssued:
    token, plaintext = accounts.issue_token(
        session,
        user=principal.user,
        name=data.name,
        expires_in_days=data.expires_in_days,
        actor=principal.actor,
    )
    return _issued(token, plaintext)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(session: SessionDep, principal: access.Self, token_id: int) -> Response:
    accounts.revoke_token(session, user=principal.user, token_id=token_id, actor=principal.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

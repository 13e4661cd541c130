"""Users, sign-in and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import column, func, select, table, update
from sqlalchemy.orm import Session, joinedload

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.database import utcnow
from infra.errors import (
    NOT_FOUND_NAMED,
    REQUIRED,
    InvalidInput,
    NameTaken,
    NotFound,
    PermissionDenied,
    Thing,
)
from infra.schemas import Page, PageParams
from infra.tenancy.enums import Role
from infra.tenancy.exceptions import (
    ROLE_NEEDS_DEPARTMENT,
    ROLE_NEEDS_PROVIDER,
    ROLE_WITHOUT_DEPARTMENT,
    ROLE_WITHOUT_PROVIDER,
)
from infra.tenancy.models import ApiToken, Department, User
from infra.tenancy.passwords import dummy_hash, hash_password, password_refusal, verify_password
from infra.tenancy.schemas import UserCreate, UserRead, UserUpdate
from infra.tenancy.scope import Scope

TOKEN_PREFIX = "gct_"  # noqa: S105  (a public marker, not a secret)

DEPARTMENT_ROLES = frozenset(role for role in Role if role.is_department_role)


def _role_of(actor: Actor) -> Role | None:
    return Role(actor.role) if actor.role is not None else None


def grantable_roles(granter: Role | None) -> frozenset[Role]:
    """Roles a user may give: the cloud office's operators any; department admins their own
    department's roles; the system (CLI) any."""
    if granter is None or granter is Role.OPERATOR:
        return frozenset(Role)
    if granter is Role.DEPARTMENT_ADMIN:
        return DEPARTMENT_ROLES
    return frozenset()


# -- users ---------------------------------------------------------------------------------


def list_users(
    session: Session, *, scope: Scope, page: PageParams, department_id: int | None = None
) -> Page[UserRead]:
    """Users visible in ``scope``: department users by their department; the cloud office's
    own accounts only to global scopes."""
    query = select(User).where(scope.where(User.department_id))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.username).limit(page.limit).offset(page.offset))
    return Page(
        items=[UserRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def get_user(session: Session, *, scope: Scope, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not scope.allows(user.department_id):
        raise NotFound("user", user_id)
    return user


def _check_membership(
    session: Session, *, scope: Scope, role: Role, department_id: int | None
) -> None:
    if role.is_department_role:
        if department_id is None:
            raise InvalidInput.one(
                "department_id",
                f"a {role.value} must belong to a department",
                code=ROLE_NEEDS_DEPARTMENT,
                params={"role": role},
            )
        if not scope.allows(department_id) or session.get(Department, department_id) is None:
            raise InvalidInput.one(
                "department_id",
                f"department {department_id} does not exist",
                code=NOT_FOUND_NAMED,
                params={"what": Thing.DEPARTMENT, "value": str(department_id)},
            )
    elif department_id is not None:
        raise InvalidInput.one(
            "department_id",
            f"a {role.value} works for the cloud office, not one department",
            code=ROLE_WITHOUT_DEPARTMENT,
            params={"role": role},
        )


_PROVIDERS = table("providers", column("id"))  # inventory's table, named without importing it


def _check_provider(session: Session, *, role: Role, provider_id: int | None) -> None:
    """A provider representative speaks for exactly one provider; nobody else for any."""
    if role is Role.PROVIDER_REP:
        if provider_id is None:
            raise InvalidInput.one(
                "provider_id",
                "a provider_rep must belong to a provider",
                code=ROLE_NEEDS_PROVIDER,
                params={"role": role},
            )
        found = session.scalar(select(_PROVIDERS.c.id).where(_PROVIDERS.c.id == provider_id))
        if found is None:
            raise InvalidInput.one(
                "provider_id",
                f"provider {provider_id} does not exist",
                code=NOT_FOUND_NAMED,
                params={"what": Thing.PROVIDER, "value": str(provider_id)},
            )
    elif provider_id is not None:
        raise InvalidInput.one(
            "provider_id",
            f"only a provider_rep belongs to a provider, not a {role.value}",
            code=ROLE_WITHOUT_PROVIDER,
            params={"role": role},
        )


def _check_grant(actor: Actor, role: Role) -> None:
    if role not in grantable_roles(_role_of(actor)):
        raise PermissionDenied(f"role: a {actor.role} may not grant the {role.value} role")


def create_user(session: Session, *, scope: Scope, data: UserCreate, actor: Actor) -> User:
    """Create an account with a hashed password."""
    _check_grant(actor, data.role)
    if problem := password_refusal(data.password, username=data.username):
        raise InvalidInput(problem)
    _check_membership(session, scope=scope, role=data.role, department_id=data.department_id)
    _check_provider(session, role=data.role, provider_id=data.provider_id)
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise NameTaken("username", f"username {data.username!r} is taken", value=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role,
        department_id=data.department_id,
        provider_id=data.provider_id,
        locale=data.locale,
        is_active=True,
        session_epoch=0,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        after=snapshot(user),
        department_id=user.department_id,
    )
    return user


def update_user(
    session: Session, *, scope: Scope, user_id: int, data: UserUpdate, actor: Actor
) -> User:
    """Change a user's name, password, role, membership, language or activity."""
    user = get_user(session, scope=scope, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("display_name", "is_active", "locale", "role"):
        if key in changes and changes[key] is None:
            raise InvalidInput.one(key, "may not be null", code=REQUIRED)
    if user.role not in grantable_roles(_role_of(actor)):
        raise PermissionDenied(f"user: a {actor.role} may not change a {user.role.value}")
    role = changes.get("role") or user.role
    department_id = changes.get("department_id", user.department_id)
    provider_id = changes.get("provider_id", user.provider_id)
    if role is not Role.PROVIDER_REP and provider_id is not None and "provider_id" not in changes:
        provider_id = changes["provider_id"] = None  # leaving the provider_rep role
    if "role" in changes or "department_id" in changes:
        _check_grant(actor, role)
        _check_membership(session, scope=scope, role=role, department_id=department_id)
    if "role" in changes or "provider_id" in changes:
        _check_grant(actor, role)
        _check_provider(session, role=role, provider_id=provider_id)
    before = snapshot(user)
    password = changes.pop("password", None)
    if password is not None and (problem := password_refusal(password, username=user.username)):
        raise InvalidInput(problem)
    for key, value in changes.items():
        setattr(user, key, value)
    if password is not None:
        user.password_hash = hash_password(password)
    if password is not None or changes.get("is_active") is False:
        user.session_epoch += 1
    session.flush()
    after = snapshot(user)
    if after == before and password is None:
        return user  # nothing changed: nothing to record
    if password is not None:
        after["password"] = "changed"  # noqa: S105  (records that it changed, not what to)
    record(
        session,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
        department_id=user.department_id,
    )
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        verify_password(dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


# -- API tokens ----------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, *, user: User, name: str, expires_in_days: int | None, actor: Actor
) -> tuple[ApiToken, str]:
    """A new bearer token for ``user``; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_digest(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        expires_at=expires_at,
        credential_epoch=user.session_epoch,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="api_token",
        entity_id=token.id,
        after=snapshot(token),
        department_id=user.department_id,
    )
    return token, plaintext


TOUCH_INTERVAL = dt.timedelta(minutes=1)


def token_for(session: Session, plaintext: str) -> ApiToken | None:
    """The valid, unexpired, unrevoked token of an active user (read only)."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _digest(plaintext))
        .options(joinedload(ApiToken.user))  # one round trip: every caller wants the user
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    if not token.user.is_active or token.credential_epoch != token.user.session_epoch:
        return None  # deactivated, or the password changed (or was deactivated) since issue
    return token


def user_for_token(session: Session, plaintext: str) -> User | None:
    """The active user a valid token belongs to."""
    token = token_for(session, plaintext)
    return token.user if token else None


def token_needs_touch(token: ApiToken) -> bool:
    """Whether ``last_used_at`` is stale enough to be worth a write."""
    return token.last_used_at is None or utcnow() - token.last_used_at > TOUCH_INTERVAL


def touch_token(session: Session, *, token_id: int) -> None:
    """Record that a token was just used."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, *, user: User, token_id: int, actor: Actor) -> ApiToken:
    """Revoke one of ``user``'s own tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("api_token", token_id)
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = utcnow()
        session.flush()
        record(
            session,
            actor=actor,
            action="revoke",
            entity="api_token",
            entity_id=token.id,
            before=before,
            after=snapshot(token),
            department_id=user.department_id,
        )
    return token

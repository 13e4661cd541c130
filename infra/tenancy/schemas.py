"""Pydantic shapes for departments, users, quotas and tokens (Base / Create / Update / Read)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from infra.schemas import InputModel, OutputModel
from infra.tenancy.enums import QUOTA_MAXIMUM, DepartmentKind, ResourceClass, Role
from infra.tenancy.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem
from infra.zones import NetworkZone
from stacks.config import department_code_problem


def _password_policy(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,62}$", strip_whitespace=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Username = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{2,63}$", strip_whitespace=True)
]
# The policy (length, not a well-known password); "not the username" is checked by the service.
Password = Annotated[
    str,
    StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
    AfterValidator(_password_policy),
]
Locale = Literal["zh_CN", "en"]


# -- departments ---------------------------------------------------------------------------


class DepartmentBase(InputModel):
    name: Name
    name_en: Name | None = None


class DepartmentCreate(DepartmentBase):
    code: Code = Field(
        description=(
            "Short unique identifier, lowercase: e.g. `police`.  It names the department's "
            "Kubernetes namespaces, so it is a DNS-1123 label of 2–40 characters and never a "
            "name the platform uses (`platform`, `default`, `govcloud-*`, `kube-*`, …)"
        )
    )
    kind: DepartmentKind
    parent_id: int | None = None

    @field_validator("code")
    @classmethod
    def _code_names_no_platform_object(cls, value: str) -> str:
        problem = department_code_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class DepartmentUpdate(InputModel):
    name: Name | None = None
    name_en: Name | None = None
    parent_id: int | None = None


class DepartmentRead(OutputModel):
    id: int
    code: str
    name: str
    name_en: str | None
    kind: DepartmentKind
    parent_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


# -- users ---------------------------------------------------------------------------------


class UserCreate(InputModel):
    username: Username
    display_name: Name
    password: Password
    role: Role
    department_id: int | None = None
    provider_id: int | None = None  # required for a provider_rep, refused for other roles
    locale: Locale = "zh_CN"


class UserUpdate(InputModel):
    display_name: Name | None = None
    password: Password | None = None
    role: Role | None = None
    department_id: int | None = None
    provider_id: int | None = None
    locale: Locale | None = None
    is_active: bool | None = None


class UserRead(OutputModel):
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    provider_id: int | None
    locale: str
    is_active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None


# -- quotas --------------------------------------------------------------------------------


def _check_limit(resource: ResourceClass | None, limit: int | None) -> None:
    if resource is None or limit is None:
        return
    maximum = QUOTA_MAXIMUM[resource]
    if limit > maximum:
        raise ValueError(f"limit for {resource.value} must be at most {maximum:,}, got {limit:,}")


class QuotaCreate(InputModel):
    department_id: int
    resource: ResourceClass
    zone: NetworkZone
    limit: int = Field(ge=0)

    @field_validator("limit")
    @classmethod
    def _limit_within_maximum(cls, limit: int, info: ValidationInfo) -> int:
        _check_limit(info.data.get("resource"), limit)  # named on ``limit``, not the body
        return limit


class QuotaUpdate(InputModel):
    limit: int = Field(ge=0)


class QuotaRead(OutputModel):
    id: int
    department_id: int
    resource: ResourceClass
    zone: NetworkZone
    limit: int
    created_at: dt.datetime
    updated_at: dt.datetime


# -- tokens --------------------------------------------------------------------------------


class TokenCreate(InputModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class TokenLogin(InputModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "api"
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class TokenRead(OutputModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIssued(TokenRead):
    token: str = Field(description="The secret: shown once, never stored")

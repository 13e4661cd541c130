"""Tenant scoping: which departments and which providers a user may see.

Every query for department data takes a :class:`Scope` argument, so leaving the filter out is
a type error rather than a data leak.  Objects outside the scope are reported as *not found*,
never as forbidden: their existence is itself department data.

Scoping has two dimensions.  ``department_ids`` bounds department data (requests, quotas,
legacy systems, bills); ``provider_ids`` bounds provider data (contracts, cloud sites and hosts,
incidents, SLA figures, assessments, settlements).  ``None`` in a dimension means "all of it":
the cloud office's roles see across both; a department sees its subtree and no provider's
private data; a provider representative sees its own provider and no department's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from infra.errors import NotFound
from infra.tenancy.enums import Role
from infra.tenancy.models import Department, User


@dataclass(frozen=True)
class Scope:
    """The visible departments and providers; ``None`` in a dimension means all of them."""

    department_ids: frozenset[int] | None
    provider_ids: frozenset[int] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None, None)

    @classmethod
    def nothing(cls) -> Scope:
        return cls(frozenset(), frozenset())

    @classmethod
    def provider(cls, provider_id: int) -> Scope:
        """A provider representative: its own provider, no department's data."""
        return cls(frozenset(), frozenset({provider_id}))

    @property
    def all_providers(self) -> bool:
        return self.provider_ids is None

    def allows_provider(self, provider_id: int | None) -> bool:
        if self.provider_ids is None:
            return True
        return provider_id is not None and provider_id in self.provider_ids

    def where_provider(
        self, column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None]
    ) -> ColumnElement[bool]:
        if self.provider_ids is None:
            return true()
        return column.in_(sorted(self.provider_ids))

    def require_provider(self, entity: str, key: object, provider_id: int | None) -> None:
        """Raise NotFound unless the object's provider is visible."""
        if not self.allows_provider(provider_id):
            raise NotFound(entity, key)

    @property
    def is_global(self) -> bool:
        return self.department_ids is None

    def allows(self, department_id: int | None) -> bool:
        if self.department_ids is None:
            return True
        return department_id is not None and department_id in self.department_ids

    def where(
        self, column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None]
    ) -> ColumnElement[bool]:
        if self.department_ids is None:
            return true()
        return column.in_(sorted(self.department_ids))

    def require(self, entity: str, key: object, department_id: int | None) -> None:
        """Raise NotFound unless the object's department is visible."""
        if not self.allows(department_id):
            raise NotFound(entity, key)


def subtree(session: Session, root_id: int) -> frozenset[int]:
    """``root_id`` and every department below it."""
    children: dict[int, list[int]] = defaultdict(list)
    for dept_id, parent_id in session.execute(select(Department.id, Department.parent_id)):
        if parent_id is not None:
            children[parent_id].append(dept_id)
    found, stack = {root_id}, [root_id]
    while stack:
        for child in children[stack.pop()]:
            if child not in found:
                found.add(child)
                stack.append(child)
    return frozenset(found)


def scope_for(session: Session, user: User) -> Scope:
    """Department roles see their department's subtree and no provider's private data;
    provider representatives see their own provider and no department's data; the cloud
    office's roles see everything."""
    if user.role.is_department_role:
        if not user.department_id:
            return Scope.nothing()
        return Scope(subtree(session, user.department_id), frozenset())
    if user.role is Role.PROVIDER_REP:
        return Scope.provider(user.provider_id) if user.provider_id else Scope.nothing()
    return Scope.everything()


# -- scoping by model: mixins and the one scoped-select helper ------------------------------


class DepartmentOwned:
    """A model whose rows belong to a department (``department_id``; null: the cloud office's)."""

    __department_column__: ClassVar[str] = "department_id"


class ProviderOwned:
    """A model whose rows belong to a provider (``provider_id``; null: nobody's).

    A model that is both (sites, hosts: a department's legacy room or a provider's cloud site)
    shows a row to a scope that reaches *either* owner.
    """

    __provider_column__: ClassVar[str] = "provider_id"


class ProviderDirectory(ProviderOwned):
    """The providers themselves: a provider representative sees its own; anyone who sees
    department data sees every provider's name (who runs the cloud is no secret — their
    contracts, sites and hosts are)."""

    __provider_column__: ClassVar[str] = "id"


class OwnedThrough:
    """A model scoped as its parent is (a rack as its site): ``__scope_parent__`` names the
    foreign-key attribute and the parent model."""

    __scope_parent__: ClassVar[tuple[str, type[Any]]]


SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]


def visible(model: type[Any], scope: Scope) -> ColumnElement[bool]:
    """The condition under which a row of ``model`` is visible in ``scope``."""
    if scope.department_ids is None and scope.provider_ids is None:
        return true()
    if issubclass(model, OwnedThrough):
        attribute, parent = model.__scope_parent__
        parent_ids = select(parent.id).where(visible(parent, scope))
        return getattr(model, attribute).in_(parent_ids)  # type: ignore[no-any-return]
    clauses: list[ColumnElement[bool]] = []
    if issubclass(model, DepartmentOwned):
        clauses.append(scope.where(getattr(model, model.__department_column__)))
    if issubclass(model, ProviderOwned):
        clauses.append(scope.where_provider(getattr(model, model.__provider_column__)))
    if issubclass(model, ProviderDirectory) and (
        scope.department_ids is None or scope.department_ids
    ):
        clauses.append(true())
    if not clauses:  # nobody's in particular: the cloud office's own data
        return true() if scope.is_global else false()
    return or_(*clauses)


def scoped(query: SelectT, scope: Scope, model: type[Any] | None = None) -> SelectT:
    """``query`` narrowed to what ``scope`` may see of ``model`` (default: the query's first
    entity), by the model's mixins: the one place department and provider filters are made."""
    if model is None:
        model = query.column_descriptions[0]["entity"]
    if model is None:
        raise ValueError("scoped() needs a query over a model, or the model")
    return query.where(visible(model, scope))

"""The few steps every service repeats: page a query, write a row and audit it."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.database import Base
from infra.errors import FieldProblem, InvalidInput, NameTaken, NotFound
from infra.schemas import Page, PageParams

M = TypeVar("M", bound=Base)
S = TypeVar("S", bound=BaseModel)


def paginate(
    session: Session, query: Select[tuple[M]], *, page: PageParams, schema: type[S]
) -> Page[S]:
    """One page of ``query`` as ``schema`` objects, with the total count."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.limit(page.limit).offset(page.offset)).all()
    return Page(
        items=[schema.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def get_or_404(session: Session, model: type[M], key: Any, *, entity: str) -> M:
    row = session.get(model, key)
    if row is None:
        raise NotFound(entity, key)
    return row


def ensure_unique(
    session: Session, model: type[Base], field: str, value: Any, *, what: str
) -> None:
    """Conflict naming ``field`` when a row with this value already exists."""
    column = getattr(model, field)
    if session.scalar(select(column).where(column == value).limit(1)) is not None:
        raise NameTaken(field, f"a {what} with {field} {value!r} already exists", value=value)


def add_audited(
    session: Session, row: M, *, actor: Actor, entity: str, department_id: int | None = None
) -> M:
    """Insert ``row`` and append its creation to the audit chain, in one transaction; a
    reference to a row that does not exist is a 422 naming the field (not a clash)."""
    check_references(session, row)
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity=entity,
        entity_id=_key(row),
        after=snapshot(row),
        department_id=department_id,
    )
    return row


def check_references(session: Session, row: Base) -> None:
    """Every foreign key ``row`` sets must name an existing row: InvalidInput naming the column
    otherwise (the database's refusal would come later and say less)."""
    problems = []
    for column in row.__table__.columns:
        value = getattr(row, column.key, None)
        if value is None:
            continue
        for key in column.foreign_keys:
            target = key.column
            found = session.scalar(select(target).where(target == value).limit(1))
            if found is None:
                what = target.table.name.removesuffix("s").replace("_", " ")
                problems.append(FieldProblem(column.key, f"{what} {value} does not exist"))
    if problems:
        raise InvalidInput(*problems)


def update_audited(
    session: Session,
    row: M,
    changes: dict[str, Any],
    *,
    actor: Actor,
    entity: str,
    department_id: int | None = None,
) -> M:
    """Apply ``changes`` to ``row`` and audit before/after (nothing recorded if unchanged)."""
    before = snapshot(row)
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    after = snapshot(row)
    if after != before:
        record(
            session,
            actor=actor,
            action="update",
            entity=entity,
            entity_id=_key(row),
            before=before,
            after=after,
            department_id=department_id,
        )
    return row


def _key(row: Base) -> Any:
    return getattr(row, "id", None)

"""Helpers for storing StrEnums as their values (portable: no native PostgreSQL enum types)."""

from enum import StrEnum

from sqlalchemy import Enum


def enum_column(enum_cls: type[StrEnum]) -> Enum:
    """A VARCHAR column holding the enum's *values*, checked by a named constraint."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        values_callable=lambda cls: [member.value for member in cls],
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )

"""Portable column types shared by the SQLModel tables (SQLite and PostgreSQL alike).

Datetimes need nothing here: SQLModel maps ``datetime`` fields to its own ``UTCDateTime``, which
refuses naive values and returns aware UTC datetimes on both databases.
"""

from enum import StrEnum
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

E = TypeVar("E", bound=StrEnum)


class EnumList(TypeDecorator[list[E]], Generic[E]):
    """A JSON array of enum values; stores the plain strings, loads enum members.

    JSON columns are not mutation-tracked: assign a new list instead of appending in place.
    """

    impl = sa.JSON
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: list[E] | None, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return [self.enum_cls(v).value for v in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[E] | None:
        if value is None:
            return None
        return [self.enum_cls(v) for v in value]


class StringList(TypeDecorator[list[str]]):
    """A JSON array of strings (e.g. allowed violation codes); ``[]`` means "no restriction"."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return [str(v) for v in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return [str(v) for v in value]


class PathString(TypeDecorator[str]):
    """A materialised tree path compared byte-wise (``COLLATE "C"`` on PostgreSQL).

    Byte-wise order makes a prefix a contiguous index range on both databases, whatever the
    database's default collation is.
    """

    impl = sa.String(255)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.String(255, collation="C"))
        return dialect.type_descriptor(sa.String(255))


def enum_column_type(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A non-native enum (VARCHAR) storing the enum *values*, portable across databases."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )

"""How long a name each database takes, and the names of a schema that are longer.

PostgreSQL keeps the first 63 bytes (UTF-8) of a longer name, with a notice
nobody reads: a table created from a 70-character model name is not the table
the models name, so every later comparison would drop it and create it again,
rows and all.  MySQL and MariaDB refuse a name over 64 characters.  dbshift
refuses such a name before it writes anything: :func:`check_names` raises
:class:`NameTooLong`, naming the object and the limit.

SQLite has no limit.  Names SQLAlchemy derives from a naming convention are
shortened by SQLAlchemy itself before they get here (see ``sqla/from_metadata``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator

from .errors import DbshiftError
from .values import frozen

if TYPE_CHECKING:  # the model imports this module (serial sequence names)
    from .model import Schema


@frozen
class NameLimit:
    """The longest name a database takes, in ``unit`` (``bytes`` of UTF-8, or ``characters``)."""

    size: int
    unit: str
    database: str

    def length(self, name: str) -> int:
        return len(name.encode("utf-8")) if self.unit == "bytes" else len(name)


LIMITS: dict[str, NameLimit] = {
    "postgresql": NameLimit(63, "bytes", "PostgreSQL"),
    "mysql": NameLimit(64, "characters", "MySQL"),
    "mariadb": NameLimit(64, "characters", "MariaDB"),
}


class NameTooLong(DbshiftError):
    """``what`` (a table, column, index… named ``name``) is longer than ``dialect`` takes."""

    def __init__(self, what: str, name: str, dialect: str) -> None:
        limit = LIMITS[dialect]
        self.what, self.name, self.dialect, self.length = what, name, dialect, limit.length(name)
        fate = f"it would keep only the first {limit.size}" if dialect == "postgresql" else "it refuses longer ones"
        super().__init__(
            f"the name of {what} is {self.length} {limit.unit} long; {limit.database} allows {limit.size} "
            f"({fate}): give it a shorter name in the models"
        )


def named_objects(schema: Schema, only: Callable[[str], bool] = lambda name: True) -> Iterator[tuple[str, str]]:
    """``(what, name)`` for every name in ``schema`` that ``only`` accepts: schemas, types, sequences, tables and
    what they hold (``what`` is written only for those: a large schema holds tens of thousands of names)."""
    for name in schema.schemas:
        if only(name):
            yield f"schema {name}", name
    for enum in schema.enums:
        if only(enum.name):
            yield f"enum type {enum.key}", enum.name
    for sequence in schema.sequences:
        if only(sequence.name):
            yield f"sequence {sequence.key}", sequence.name
    for table in schema.tables:
        if only(table.name):
            yield f"table {table.key}", table.name
        for column in table.columns:
            if only(column.name):
                yield f"column {table.key}.{column.name}", column.name
        for constraint in table.constraints:
            if constraint.name and only(constraint.name):
                yield f"constraint {constraint.name} of table {table.key}", constraint.name
        for index in table.indexes:
            if only(index.name):
                yield f"index {index.name} of table {table.key}", index.name


def too_long(schema: Schema, dialect: str) -> list[NameTooLong]:
    """One :class:`NameTooLong` per name of ``schema`` over ``dialect``'s limit (none on SQLite)."""
    limit = LIMITS.get(dialect)
    if limit is None:
        return []
    shortest = limit.size // 4  # (no name of this many characters or fewer can pass: 4 bytes at most to one)

    def over(name: str) -> bool:
        return len(name) > shortest and limit.length(name) > limit.size

    return [NameTooLong(what, name, dialect) for what, name in named_objects(schema, over)]


def check_names(schema: Schema, dialect: str) -> None:
    """Raise :class:`NameTooLong` for the first name of ``schema`` that ``dialect`` cannot hold as written."""
    problems = too_long(schema, dialect)
    if problems:
        raise problems[0]


def pg_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """The name PostgreSQL makes from parts (``makeObjectName``: a serial column's sequence
    ``table_column_seq``): when the whole would pass 63 bytes, the longer of the two names is
    shortened first, a byte at a time, never splitting a character."""
    first, second = name1.encode("utf-8"), (name2 or "").encode("utf-8")
    overhead = (1 if name2 is not None else 0) + (len(label.encode("utf-8")) + 1 if label is not None else 0)
    room = LIMITS["postgresql"].size - overhead
    n1, n2 = len(first), len(second)
    while n1 + n2 > room:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [first[:n1].decode("utf-8", "ignore")]
    if name2 is not None:
        parts.append(second[:n2].decode("utf-8", "ignore"))
    if label is not None:
        parts.append(label)
    return "_".join(parts)

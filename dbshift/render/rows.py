"""Seed rows as SQL: the statements of ``BulkInsert`` and ``BulkDelete``, with the values written in.

The same text runs against the database and is printed by ``--sql`` and
``--dry-run``, so what a user reviews is what runs.  Values are written as
constants that read the same under every server setting: strings and bytes by
:mod:`dbshift.core.types` (quotes doubled; a backslash as ``E'…'`` on
PostgreSQL, as hexadecimal on MySQL), everything else (numbers, booleans,
dates, times, UUIDs) by SQLAlchemy's literal renderer for the value's type,
whose spellings hold no quote or backslash.

A row is deleted by matching every column the mapping gives, ``IS NULL`` for a
None, and **one row per mapping**: the reverse of a ``BulkInsert`` removes as
many rows as it inserted, never more, even where other rows hold the same
values (PostgreSQL picks the row by ``(tableoid, ctid)``, SQLite by ``rowid``,
MySQL with ``LIMIT 1``).  Of rows equal in every given column, which one goes
is the database's choice: they differ in no column the migration wrote.
"""

from __future__ import annotations

import enum
import json
from typing import Any, Mapping

import sqlalchemy as sa

from ..core import ops as o
from ..core.errors import DbshiftError
from ..core.types import bytes_literal, string_literal


class ValueNotWritable(DbshiftError):
    """A seed row's value has no SQL constant on ``dialect``."""

    def __init__(self, table: str, column: str, value: object, dialect: str, detail: str) -> None:
        self.table, self.column, self.value, self.dialect, self.detail = table, column, value, dialect, detail
        super().__init__(
            f"cannot write the value {value!r} of {table}.{column} as SQL on {dialect}: {detail}"
        )


def row_statements(op: o.BulkInsert | o.BulkDelete, dialect: sa.engine.Dialect) -> list[str]:
    """One statement per row of ``op``: an ``INSERT``, or a ``DELETE`` of one matching row."""
    table = _table_name(op, dialect)
    if isinstance(op, o.BulkInsert):
        return [_insert(op, table, row, dialect) for row in op.rows]
    return [_delete(op, table, row, dialect) for row in op.rows]


def value_sql(value: Any, dialect: sa.engine.Dialect) -> str:
    """``value`` as a SQL constant on ``dialect``; ``ValueError`` when it has none."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return string_literal(dialect.name, value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes_literal(dialect.name, bytes(value))
    if isinstance(value, (dict, list)):
        return string_literal(dialect.name, json.dumps(value))  # a JSON document, as its text
    try:
        compiled = sa.literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    except sa.exc.SQLAlchemyError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    return str(compiled)


def _table_name(op: o.BulkInsert | o.BulkDelete, dialect: sa.engine.Dialect) -> str:
    quote = dialect.identifier_preparer.quote
    return f"{quote(op.schema)}.{quote(op.table)}" if op.schema else quote(op.table)


def _values(table: str, row: Mapping[str, Any], dialect: sa.engine.Dialect) -> dict[str, str]:
    """The row's columns (quoted) and values (as SQL)."""
    quote = dialect.identifier_preparer.quote
    result = {}
    for column, value in row.items():
        try:
            result[quote(column)] = value_sql(value, dialect)
        except ValueError as exc:
            raise ValueNotWritable(table, column, value, dialect.name, str(exc)) from None
    return result


def _insert(op: o.BulkInsert, table: str, row: Mapping[str, Any], dialect: sa.engine.Dialect) -> str:
    values = _values(op.table, row, dialect)
    if not values:
        return f"INSERT INTO {table} () VALUES ()" if dialect.name in ("mysql", "mariadb") else (
            f"INSERT INTO {table} DEFAULT VALUES"
        )
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(values.values())})"


def _delete(op: o.BulkDelete, table: str, row: Mapping[str, Any], dialect: sa.engine.Dialect) -> str:
    conditions = [f"{c} IS NULL" if v == "NULL" else f"{c} = {v}" for c, v in _values(op.table, row, dialect).items()]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    if dialect.name in ("mysql", "mariadb"):
        return f"DELETE FROM {table}{where} LIMIT 1"
    if dialect.name == "postgresql":
        one = f"SELECT tableoid, ctid FROM {table}{where} LIMIT 1"
        return f"DELETE FROM {table} WHERE (tableoid, ctid) = ({one})"
    return f"DELETE FROM {table} WHERE rowid = (SELECT rowid FROM {table}{where} LIMIT 1)"

"""Helpers shared by the dialect modules: reading rows, deterministic ordering and exclusion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, TypeVar

from ...core import model as m
from .catalog import cursor_rows

if TYPE_CHECKING:
    import sqlalchemy as sa

T = TypeVar("T")


def rows_of(connection: sa.engine.Connection, statement: sa.TextClause, params: Mapping[str, Any]) -> list[Any]:
    """Every row ``statement`` returns, as named tuples read straight from the driver's cursor (MySQL's and
    SQLite's readers, whose statements take SQLAlchemy's expanding parameters; PostgreSQL's use a :mod:`.catalog`).

    The statement goes through SQLAlchemy (its parameters, its events); the rows do not: a text statement has no
    typed columns to convert, and SQLAlchemy's own row objects cost a tenth of a second on a thousand tables.
    """
    result = connection.execute(statement, params)
    try:
        return cursor_rows(result.cursor)
    finally:
        result.close()


def _named(name: str | None) -> tuple[bool, str]:
    return (name is None, name or "")


def _sorted(items: Iterable[T], key: Callable[[T], Any]) -> tuple[T, ...]:
    """``items`` sorted by ``key``, as a tuple (most tables have none or one of each kind: nothing to sort)."""
    found = tuple(items)
    return found if len(found) < 2 else tuple(sorted(found, key=key))


def sorted_fks(fks: Iterable[m.ForeignKey]) -> tuple[m.ForeignKey, ...]:
    return _sorted(fks, lambda f: (*_named(f.name), f.columns, f.ref_schema or "", f.ref_table, f.ref_columns))


def sorted_uniques(uniques: Iterable[m.Unique]) -> tuple[m.Unique, ...]:
    return _sorted(uniques, lambda u: (*_named(u.name), u.columns))


def sorted_checks(checks: Iterable[m.Check]) -> tuple[m.Check, ...]:
    return _sorted(checks, lambda c: (*_named(c.name), c.sqltext))


def sorted_indexes(indexes: Iterable[m.Index]) -> tuple[m.Index, ...]:
    return _sorted(indexes, lambda i: (i.name, i.expressions))


def excluded(name: str, schema: str | None, exclude: frozenset[str]) -> bool:
    """Whether a table is excluded by its bare or schema-qualified name."""
    return name in exclude or m.qualified(name, schema) in exclude



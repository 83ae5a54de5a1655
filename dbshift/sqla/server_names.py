"""The names each database gives a constraint the models leave unnamed.

A constraint the models leave unnamed is unnamed in the schema model on every
database (``name=None``): migration files write no name and the database
chooses one.  Reflection reads a name the database chose by itself as no name
(the real one is kept in ``server_name``, to drop it by), so a database made by
``create_all()``, by Alembic, by dbshift on another database or by hand
matches the models.  Rendering uses the same rules to name a constraint it
must drop when no database was read (``--sql``).

PostgreSQL (``makeObjectName``): ``t_pkey``, ``t_a_b_key``, ``t_a_fkey``,
``t_a_check`` (a CHECK on one column) or ``t_check``, ``t_a_excl``; when the
whole passes 63 bytes the longer of table and columns is shortened first, and
a name already taken gets a number after the label (``t_a_key1``).

MariaDB and MySQL: the primary key is ``PRIMARY``; a foreign key
``t_ibfk_<n>``; a unique key is named after its first column (``a``, then
``a_2``…); a table CHECK is ``CONSTRAINT_<n>`` (MariaDB) or ``t_chk_<n>``
(MySQL 8), a column's own CHECK is named after the column (MariaDB).

SQLite keeps no name for an unnamed constraint: there is nothing to recognise.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Sequence, TypeVar

from ..core import model as m
from ..core.identifiers import pg_object_name
from .dialect import MYSQL_FAMILY
from .exclusion import element_names

C = TypeVar("C", m.PrimaryKey, m.ForeignKey, m.Unique, m.Check, m.Exclude)


def as_unnamed(constraint: C) -> C:
    """``constraint`` as the schema model holds one the database named by itself: no name, the real one kept."""
    return replace(constraint, name=None, server_name=constraint.name)


# --- recognising ----------------------------------------------------------------------


def pg_server_named(c: m.Constraint, table: str, columns: Iterable[str]) -> bool:
    """Whether ``c``'s name is one PostgreSQL gives such a constraint of ``table`` (whose columns are
    ``columns``) when it is created without one."""
    if isinstance(c, m.Exclude):
        return pg_chose(c.name, table, "x", tuple(element_names(c.elements)))
    kind = {m.PrimaryKey: "p", m.Unique: "u", m.ForeignKey: "f", m.Check: "c"}[type(c)]
    return pg_chose(c.name, table, kind, getattr(c, "columns", ()), columns)


#: for each kind of constraint (``pg_constraint.contype``), the label PostgreSQL ends the names it makes with
_LABELS = {"p": "pkey", "u": "key", "f": "fkey", "c": "check", "x": "excl"}
#: a name's label and number (``_pkey``, ``_key1``…)
_ENDINGS = {label: re.compile(rf"_{label}(\d*)$") for label in _LABELS.values()}


def pg_chose(name: str | None, table: str, kind: str, columns: Sequence[str], table_columns: Iterable[str] = ()) -> bool:
    """Whether ``name`` is the one PostgreSQL gives a constraint of ``kind`` (``pg_constraint.contype``: ``p``,
    ``u``, ``f``, ``c``, ``x``) on ``columns`` of ``table`` made without one; a CHECK's may name any of
    ``table_columns``."""
    if not name:
        return False
    label = _LABELS[kind]
    found = _ENDINGS[label].search(name)
    if found is None:
        return False
    middles: list[str | None] = [None] if kind == "p" else [None, *table_columns] if kind == "c" else ["_".join(columns)]
    numbered = label + found.group(1)
    return any(name == pg_object_name(table, middle, numbered) for middle in middles)


def mysql_server_named(c: m.Constraint, table: str, columns: Iterable[str] = (), column_check: bool = False) -> bool:
    """Whether ``c``'s name is one MariaDB or MySQL gives such a constraint of ``table`` created without
    one; ``column_check``: a CHECK written on a column (MariaDB names it after the column)."""
    name = c.name
    if isinstance(c, m.PrimaryKey):
        return True  # always PRIMARY
    if not name:
        return False
    if isinstance(c, m.ForeignKey):
        return _named_after(name, table, _IBFK)
    if isinstance(c, m.Unique):
        return _named_after(name, c.columns[0], _NUMBERED)
    if isinstance(c, m.Check):
        if column_check and name in set(columns):
            return True
        return _CONSTRAINT_N.fullmatch(name) is not None or _named_after(name, table, _CHK)
    return False


_IBFK, _CHK, _NUMBERED = re.compile(r"_ibfk_\d+", re.I), re.compile(r"_chk_\d+", re.I), re.compile(r"(_\d+)?")
_CONSTRAINT_N = re.compile(r"CONSTRAINT_\d+", re.I)


def _named_after(name: str, prefix: str, rest: re.Pattern[str]) -> bool:
    """Whether ``name`` is ``prefix`` (in any case) followed by what ``rest`` matches: ``re.fullmatch`` of
    both with IGNORECASE, without compiling a pattern for each table (thousands of them on a large schema)."""
    if not (name.isascii() and prefix.isascii()):  # Unicode case folding: leave it to re
        return re.fullmatch(re.escape(prefix) + rest.pattern, name, re.I) is not None
    n = len(prefix)
    return name[:n].lower() == prefix.lower() and rest.fullmatch(name, n) is not None


# --- predicting (no database to read) -------------------------------------------------


def default_name(dialect: str, c: m.Constraint, table: m.Table) -> str | None:
    """The name ``dialect`` most likely gave ``c``, an unnamed constraint of ``table`` as the schema
    model holds it (in the order they were made); None where none is needed (MySQL's primary key).

    Exact on PostgreSQL unless a clash made it add a number; on MariaDB the
    numbers count the table's unnamed constraints of that kind, which holds
    while none was dropped before it.
    """
    if dialect == "postgresql":
        return _pg_default(c, table)
    if dialect in MYSQL_FAMILY:
        return _mysql_default(c, table)
    return None


def _pg_default(c: m.Constraint, table: m.Table) -> str:
    if isinstance(c, m.PrimaryKey):
        return pg_object_name(table.name, None, "pkey")
    if isinstance(c, m.Unique):
        return pg_object_name(table.name, "_".join(c.columns), "key")
    if isinstance(c, m.ForeignKey):
        return pg_object_name(table.name, "_".join(c.columns), "fkey")
    if isinstance(c, m.Check):
        used = check_columns(c.sqltext, table.column_names)
        return pg_object_name(table.name, used[0] if len(used) == 1 else None, "check")
    return pg_object_name(table.name, "_".join(element_names(c.elements)), "excl")


def check_columns(sqltext: str, columns: Iterable[str]) -> list[str]:
    """The columns (of ``columns``) a CHECK's text uses: PostgreSQL names a CHECK on one column after it."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", re.sub(r"'(?:[^']|'')*'", "", sqltext)))
    quoted = set(re.findall(r'"((?:[^"]|"")+)"', sqltext))
    return [c for c in columns if c in words or c in quoted]


def _mysql_default(c: m.Constraint, table: m.Table) -> str | None:
    if isinstance(c, m.PrimaryKey):
        return None  # DROP PRIMARY KEY
    if isinstance(c, m.ForeignKey):
        return f"{table.name}_ibfk_{_position(c, table.foreign_keys)}"
    if isinstance(c, m.Check):
        return f"CONSTRAINT_{_position(c, table.checks)}"
    if isinstance(c, m.Unique):
        taken = {i.name.lower() for i in table.indexes} | {u.name.lower() for u in table.uniques if u.name}
        chosen = ""
        for u in [u for u in table.uniques if not m.real_name(u)] or [c]:
            first = u.columns[0]
            chosen, n = first, 1
            while chosen.lower() in taken:
                n += 1
                chosen = f"{first}_{n}"
            taken.add(chosen.lower())
            if u == c:
                break
        return chosen
    return None


def _position(c: m.Constraint, among: Iterable[m.Constraint]) -> int:
    """1 + how many unnamed constraints come before ``c`` in ``among`` (1 when ``c`` is not there)."""
    unnamed = [x for x in among if not m.real_name(x)]
    return unnamed.index(c) + 1 if c in unnamed else 1

"""The columns of a named enum type, and what a change of its values makes of them.

A named enum type (``sa.Enum("happy", "sad", name="mood")``) is a type of its own
on PostgreSQL only, where its columns name it (``enum:mood('happy','sad')``).
Elsewhere each column carries the values itself: MySQL and MariaDB as an inline
``enum('happy','sad')``, SQLite as text as long as the longest value
(``varchar(5)``), with a CHECK listing the values when the models ask for one
(``mood IN ('happy', 'sad')``).  So a change of the type's values
(:class:`~dbshift.core.ops.AlterEnum`) is a change of those columns too: of
their type, of a default holding a renamed value, of the CHECK.

Which columns those are is stated as ``(table key, column name)`` pairs
(:data:`Users`), as PostgreSQL's catalog or the migration history knows them;
PostgreSQL's columns are also found by the type's name.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from .model import Column, Enum, Schema, Table
from .types import enum_type, format_type, parse_type, quote_literal

Users = tuple[tuple[str, str], ...]
"""The columns of an enum type, each as ``(table key, column name)``."""

Renamed = tuple[tuple[str, str], ...]
"""Values renamed, each as ``(old value, new value)``."""

_TEXT = ("varchar", "char")
_QUOTED_DEFAULT = re.compile(r"^\s*'((?:[^']|'')*)'(?P<rest>(?:\s*::\s*[\w.\"]+)?)\s*$", re.S)
_LIST = r"'(?:[^']|'')*'(?:\s*,\s*'(?:[^']|'')*')*"
_IN_CHECK = re.compile(
    rf"""^(?P<head>\s*\(?\s*(?P<column>"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[\w$]+)\s+IN\s*\(\s*)"""
    rf"""(?P<values>{_LIST})(?P<tail>\s*\)\s*\)?\s*)$""",
    re.I | re.S,
)
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def named_users(schema: Schema, key: str) -> Users:
    """The columns of ``schema`` typed with enum type ``key`` by its name (or an array of it), in table order."""
    return tuple(
        (t.key, c.name) for t in schema.tables for c in t.columns
        if isinstance(c.type, str) and parse_type(c.type.removesuffix("[]")).enum_name == key
    )


def users(schema: Schema, enum: Enum, columns: Users | None) -> list[tuple[Table, Column]]:
    """The columns of ``schema`` that hold values of ``enum``, in table order.

    Those ``columns`` names that ``schema`` holds, and those typed with the enum by
    its name (PostgreSQL).  When ``columns`` is None (not stated: a file written
    before it was), also every inline enum (MySQL) with exactly its values.
    """
    wanted = set(columns or ()) | set(named_users(schema, enum.key))
    found = []
    for t in schema.tables:
        for c in t.columns:
            if (t.key, c.name) in wanted or (columns is None and _inline_with(c, enum.values)):
                found.append((t, c))
    return found


def _inline_with(column: Column, values: tuple[str, ...]) -> bool:
    if not isinstance(column.type, str):
        return False
    spec = parse_type(column.type)
    return spec.is_enum and spec.enum_name is None and spec.values == values


def changed(schema: Schema, old: Enum, new: Enum, renamed: Renamed, columns: Users | None) -> Schema:
    """``schema`` with each column of ``old`` (see :func:`users`) as the change to ``new`` leaves it."""
    by_table: dict[str, set[str]] = {}
    for t, c in users(schema, old, columns):
        by_table.setdefault(t.key, set()).add(c.name)
    for key, names in by_table.items():
        schema = schema.replace_table(key, changed_table(schema.table(key), names, old, new, renamed))
    return schema


def changed_table(table: Table, names: Iterable[str], old: Enum, new: Enum, renamed: Renamed) -> Table:
    """``table`` with its columns ``names`` (and each CHECK listing exactly their values) changed from ``old``'s
    values to ``new``'s."""
    names = set(names)
    columns = tuple(changed_column(c, old, new, renamed) if c.name in names else c for c in table.columns)
    checks = tuple(replace(k, sqltext=changed_check(k.sqltext, names, old, new)) for k in table.checks)
    return replace(table, columns=columns, checks=checks)


def changed_column(column: Column, old: Enum, new: Enum, renamed: Renamed) -> Column:
    """``column`` of enum ``old`` as the change to ``new`` leaves it: its type (:func:`changed_type`), and its
    default when it holds a renamed value."""
    return replace(column, type=changed_type(column.type, old, new), default=renamed_default(column.default, renamed))


def changed_type(type_string: str, old: Enum, new: Enum) -> str:
    """The type of a column of enum ``old`` once its values are ``new``'s.

    An enum (named or inline, or an array of one) takes the new values; text
    as long as the longest old value (SQLite) becomes as long as the longest
    new one, and text of a length of its own grows to hold the longest new one.
    Any other type (or a type still to be bound) stays as it is.
    """
    if not isinstance(type_string, str):
        return type_string
    base = type_string.removesuffix("[]")
    spec = parse_type(base)
    if spec.is_enum:
        return enum_type(new.values, spec.enum_name) + type_string[len(base):]
    if spec.name in _TEXT and len(spec.args) == 1:
        length = spec.args[0]
        before, after = longest(old.values), longest(new.values)
        return format_type(spec.name, after if length == before else max(length, after))
    return type_string


def longest(values: Iterable[str]) -> int:
    """The length of the longest value (1 when there is none, as a text column needs a length)."""
    return max((len(v) for v in values), default=1)


def renamed_default(default: str | None, renamed: Renamed) -> str | None:
    """A server default that is a renamed value (``'sad'``, ``'sad'::mood``) written with its new value; any
    other (or one still to be bound) as it is."""
    match = _QUOTED_DEFAULT.match(default) if isinstance(default, str) else None
    if match is None:
        return default
    moved = dict(renamed).get(match.group(1).replace("''", "'"))
    return default if moved is None else quote_literal(moved) + match.group("rest")


def changed_check(sqltext: str, names: Iterable[str], old: Enum, new: Enum) -> str:
    """``sqltext`` with its list of values replaced by ``new``'s when it is ``<column> IN (<old's values>)`` for
    one of the columns ``names`` (as SQLAlchemy writes an enum's CHECK); as it is otherwise."""
    match = _IN_CHECK.match(sqltext)
    if match is None or _unquoted(match.group("column")) not in set(names):
        return sqltext
    values = tuple(v.replace("''", "'") for v in _LITERAL.findall(match.group("values")))
    if values != old.values:
        return sqltext
    listed = ", ".join(quote_literal(v) for v in new.values)
    return match.group("head") + listed + match.group("tail")


def _unquoted(name: str) -> str:
    if name[:1] in ('"', "`") and name[-1:] == name[:1]:
        return name[1:-1].replace(name[0] * 2, name[0])
    if name[:1] == "[" and name[-1:] == "]":
        return name[1:-1]
    return name

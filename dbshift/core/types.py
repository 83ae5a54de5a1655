"""The portable type language used in the schema model and in migration files.

A type is a lower-case string:

* generic names that every dialect renders in its own way — ``integer``,
  ``bigint``, ``smallint``, ``varchar``/``varchar(n)``, ``char(n)``, ``text``,
  ``boolean``, ``timestamp``, ``timestamptz``, ``date``, ``time``, ``timetz``,
  ``interval``, ``numeric``/``numeric(p)``/``numeric(p,s)``, ``real``,
  ``double``, ``json``, ``blob``, ``uuid``;
* enums: ``enum:mood('happy','sad')`` (a named type, native on PostgreSQL) or
  ``enum('a','b')`` (an inline MySQL enum);
* anything else is the dialect's own spelling (``jsonb``, ``inet``,
  ``integer[]``) and is passed through as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GENERIC = frozenset(
    """integer bigint smallint varchar char text boolean timestamp timestamptz
    date time timetz interval numeric real double json blob uuid""".split()
)

_SIMPLE = re.compile(r"^([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$")
_ENUM = re.compile(r"^enum(?::([^()]+))?\((.*)\)$", re.S)
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


@dataclass(frozen=True)
class TypeSpec:
    """A parsed type: ``name`` plus numeric ``args`` or enum ``values``."""

    name: str
    args: tuple[int, ...] = ()
    values: tuple[str, ...] = ()
    enum_name: str | None = None

    @property
    def is_enum(self) -> bool:
        return self.name == "enum"

    @property
    def is_generic(self) -> bool:
        return self.name in GENERIC or self.is_enum


def parse_type(text: str) -> TypeSpec:
    """Split a type string into its parts; unknown spellings keep their text as name."""
    text = text.strip()
    enum = _ENUM.match(text)
    if enum:
        values = tuple(v.replace("''", "'") for v in _LITERAL.findall(enum.group(2)))
        return TypeSpec("enum", values=values, enum_name=enum.group(1))
    simple = _SIMPLE.match(text)
    if simple and simple.group(1) in GENERIC:
        args = tuple(int(a) for a in simple.group(2, 3) if a is not None)
        return TypeSpec(simple.group(1), args)
    return TypeSpec(text)


def format_type(name: str, *args: int) -> str:
    """``format_type("numeric", 10, 2) == "numeric(10,2)"``."""
    return f"{name}({','.join(str(a) for a in args)})" if args else name


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def enum_type(values: tuple[str, ...] | list[str], name: str | None = None) -> str:
    """The spelling of an enum type: ``enum:name('a','b')`` or ``enum('a','b')``."""
    inner = ",".join(quote_literal(v) for v in values)
    return f"enum:{name}({inner})" if name else f"enum({inner})"


_NEUTRAL = {
    "integer": "0", "bigint": "0", "smallint": "0", "numeric": "0", "real": "0", "double": "0",
    "varchar": "''", "char": "''", "text": "''", "boolean": "false",
    "date": "'1970-01-01'", "timestamp": "'1970-01-01 00:00:00'", "timestamptz": "'1970-01-01 00:00:00+00'",
    "time": "'00:00:00'", "timetz": "'00:00:00+00'", "uuid": "'00000000-0000-0000-0000-000000000000'",
}


def neutral_value(type_string: str) -> str | None:
    """A SQL literal of the type that stands for "no value" (0, '', false, the epoch), or None if unknown."""
    spec = parse_type(type_string)
    if spec.is_enum:
        return quote_literal(spec.values[0]) if spec.values else None
    return _NEUTRAL.get(spec.name)

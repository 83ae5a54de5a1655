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

A migration file may instead state a column's type as the models do (a
SQLAlchemy type); it becomes one of these strings, for the database the
migration runs on, when the file is loaded (see ``dbshift.sqla.declared``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import DbshiftError
from .values import frozen

GENERIC = frozenset(
    """integer bigint smallint varchar char text boolean timestamp timestamptz
    date time timetz interval numeric real double json blob uuid""".split()
)

_SIMPLE = re.compile(r"^([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$")
_ENUM = re.compile(r"^enum(?::([^()]+))?\((.*)\)$", re.S)
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


@frozen
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


@lru_cache(maxsize=16384)
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
    """The standard SQL string constant for ``value``: ``'…'`` with quotes doubled.

    Only a string without backslashes reads the same on every server setting;
    DDL goes through :func:`string_literal`, which knows the dialect.
    """
    return "'" + value.replace("'", "''") + "'"


# --- literals that read the same under every server setting ---------------------------
#
# PostgreSQL reads a backslash in '…' as an escape when standard_conforming_strings
# is off; MySQL and MariaDB read it as one unless sql_mode has NO_BACKSLASH_ESCAPES.
# A quote doubled ('') means a quote under every setting, so only backslashes
# need another spelling: PostgreSQL's escape string E'…' (backslashes doubled) is
# read the same whatever standard_conforming_strings says; MySQL's hexadecimal
# literal (X'…', no backslash in it) whatever sql_mode says.


def pg_literal(value: str) -> str:
    """A PostgreSQL string constant for ``value``: ``'…'``, or ``E'…'`` when it holds a backslash."""
    if "\\" not in value:
        return quote_literal(value)
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def mysql_literal(value: str) -> str:
    """A MySQL string expression for ``value``: ``'…'``, or ``CONVERT(X'…' USING utf8mb4)`` when it holds a
    backslash or NUL (the hexadecimal UTF-8 bytes, converted to text as any literal is)."""
    if not needs_mysql_hex(value):
        return quote_literal(value)
    return f"CONVERT({_hex(value)} USING utf8mb4)"


def mysql_enum_literal(value: str) -> str:
    """``value`` as a value of a MySQL ``ENUM(…)``: ``'…'``, or ``X'…'`` (ENUM takes a constant without
    introducer; the bytes are read in the column's character set) when it holds a backslash or NUL."""
    return _hex(value) if needs_mysql_hex(value) else quote_literal(value)


class CommentNotWritable(DbshiftError):
    """The comment of ``what`` holds a backslash, which no MySQL comment can hold under every sql_mode."""

    def __init__(self, what: str, comment: str, dialect: str) -> None:
        self.what, self.comment, self.dialect = what, comment, dialect
        super().__init__(
            f"the comment of {what} ({comment!r}) holds a backslash, which {dialect} reads differently with "
            "and without sql_mode NO_BACKSLASH_ESCAPES (a comment takes no other spelling): "
            "write it without the backslash"
        )


def mysql_comment_literal(what: str, comment: str, dialect: str = "mysql") -> str:
    """``comment`` as a MySQL ``COMMENT '…'`` string; :class:`CommentNotWritable` when it holds a backslash.

    A comment takes a plain quoted string only (no hexadecimal, no expression),
    and a backslash in one is read as an escape or as itself depending on sql_mode.
    """
    if needs_mysql_hex(comment):
        raise CommentNotWritable(what, comment, dialect)
    return quote_literal(comment)


def needs_mysql_hex(value: str) -> bool:
    """Whether ``value`` has no ``'…'`` spelling MySQL reads the same with and without NO_BACKSLASH_ESCAPES."""
    return "\\" in value or "\0" in value


def _hex(value: str) -> str:
    return "X'" + value.encode("utf-8").hex() + "'"


def string_literal(dialect: str, value: str) -> str:
    """``value`` as a string constant of ``dialect`` that every setting of the server reads the same."""
    if dialect == "postgresql":
        return pg_literal(value)
    if dialect in ("mysql", "mariadb"):
        return mysql_literal(value)
    return quote_literal(value)  # SQLite has no backslash escapes


def bytes_literal(dialect: str, value: bytes) -> str:
    """``value`` as a binary constant of ``dialect``: ``E'\\\\x…'`` (bytea) on PostgreSQL, ``X'…'`` elsewhere."""
    if dialect == "postgresql":
        return pg_literal("\\x" + value.hex())
    return "X'" + value.hex() + "'"


_PG_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_PG_TOKEN = re.compile(
    r"""(?P<skip>"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$.*?\$(?P=tag)\$"""
    r"""|(?<![\w$])[uU]&'(?:[^']|'')*')"""
    r"""|(?<![\w$])[eE]'(?P<escaped>(?:[^'\\]|''|\\.)*)'"""
    r"""|'(?P<plain>(?:[^']|'')*)'""",
    re.S,
)


_PG_NUMERIC_ESCAPE = re.compile(r"([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})")


def _pg_unescape(body: str) -> str:
    """The value of the body of an escape string ``E'…'``."""
    out, i = [], 0
    while i < len(body):
        if body[i] == "'":  # a doubled quote
            out.append("'")
            i += 2
        elif body[i] == "\\" and i + 1 < len(body):
            text, used = _pg_escape(body, i + 1)
            out.append(text)
            i += 1 + used
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _pg_escape(body: str, start: int) -> tuple[str, int]:
    """The character a backslash escape stands for, and how many characters after the backslash it took."""
    numeric = _PG_NUMERIC_ESCAPE.match(body, start)
    if numeric is None:
        return _PG_ESCAPES.get(body[start], body[start]), 1
    octal, *hexadecimal = numeric.groups()
    code = int(octal, 8) if octal else int(next(h for h in hexadecimal if h), 16)
    return chr(code), len(numeric.group(0))


def pg_safe_literals(sql: str) -> str:
    """``sql`` (an expression) with each standard ``'…'`` constant holding a backslash written as ``E'…'``.

    Quoted names, comments, dollar-quoted bodies and escape strings are left as
    they are; the expression means what it means with standard_conforming_strings
    on, now under either setting.
    """

    def one(match: re.Match[str]) -> str:
        plain = match.group("plain")
        if plain is None:
            return match.group(0)
        return pg_literal(plain.replace("''", "'"))

    if "\\" not in sql:  # no constant holds a backslash: nothing to write otherwise (most defaults)
        return sql
    return _PG_TOKEN.sub(one, sql)


def pg_standard_literals(sql: str) -> str:
    """``sql`` with each escape string ``E'…'`` written as the standard ``'…'`` constant of the same value."""

    def one(match: re.Match[str]) -> str:
        escaped = match.group("escaped")
        if escaped is None:
            return match.group(0)
        return quote_literal(_pg_unescape(escaped))

    return _PG_TOKEN.sub(one, sql)


def enum_type(values: tuple[str, ...] | list[str], name: str | None = None) -> str:
    """The spelling of an enum type: ``enum:name('a','b')`` or ``enum('a','b')``."""
    inner = ",".join(quote_literal(v) for v in values)
    return f"enum:{name}({inner})" if name else f"enum({inner})"


_NEUTRAL = {
    "integer": "0", "bigint": "0", "smallint": "0", "numeric": "0", "real": "0", "double": "0",
    "varchar": "''", "char": "''", "text": "''", "boolean": "false",
    "date": "'1970-01-01'", "timestamp": "'1970-01-01 00:00:00'", "timestamptz": "'1970-01-01 00:00:00+00'",
    "time": "'00:00:00'", "timetz": "'00:00:00+00'", "uuid": "'00000000-0000-0000-0000-000000000000'",
    "mariadb_uuid": "'00000000-0000-0000-0000-000000000000'",
}


def neutral_value(type_string: str) -> str | None:
    """A SQL literal of the type that stands for "no value" (0, '', false, the epoch), or None if unknown.

    An enum's is its first value, unless that holds a backslash: the literal
    is written for any dialect, and no spelling of it reads the same on each.
    """
    spec = parse_type(type_string)
    if spec.is_enum:
        return quote_literal(spec.values[0]) if spec.values and "\\" not in spec.values[0] else None
    return _NEUTRAL.get(spec.name)


_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "%": "\\%", "_": "\\_"}
_MYSQL_TOKEN = re.compile(
    r"""(?P<skip>`(?:[^`]|``)*`|"(?:[^"\\]|""|\\.)*"|--\s[^\n]*|#[^\n]*|/\*.*?\*/|(?<![\w$])[xXbBnN]'[^']*')"""
    r"""|(?:(?<![\w$])_[A-Za-z0-9]+\s*)?'(?P<body>(?:[^'\\]|''|\\.)*)'""",
    re.S,
)


def _mysql_unescape(body: str) -> str:
    """The value of the body of a MySQL ``'…'`` literal as MySQL reads it by default (backslash escapes)."""
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "'":  # a doubled quote
            out.append("'")
            i += 2
        elif ch == "\\" and i + 1 < len(body):
            out.append(_MYSQL_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def mysql_safe_literals(sql: str) -> str:
    """``sql`` (as SQLAlchemy writes it for MySQL) with each literal holding a backslash written without one
    (:func:`mysql_literal`).

    Literals are read as MySQL reads them by default (backslash escapes); the
    result means the same with and without NO_BACKSLASH_ESCAPES.
    """

    def one(match: re.Match[str]) -> str:
        body = match.group("body")
        if body is None or "\\" not in body:
            return match.group(0)
        return mysql_literal(_mysql_unescape(body))

    return _MYSQL_TOKEN.sub(one, sql)


def mysql_hex_value(digits: str) -> str | None:
    """The text a hexadecimal literal's digits spell in UTF-8, or None when they spell no text."""
    try:
        return bytes.fromhex(digits).decode("utf-8")
    except ValueError:
        return None


_MYSQL_HEX_TEXT = re.compile(
    r"convert\s*\(\s*(?:_[a-z0-9]+\s*)?x'(?P<a>[0-9a-f]*)'\s+using\s+\w+\s*\)"
    r"|(?<![\w$])(?:_[a-z0-9]+\s*)?x'(?P<b>[0-9a-f]*)'",
    re.I,
)


def mysql_plain_literals(sql: str) -> str:
    """``sql`` with each hexadecimal spelling of text (:func:`mysql_literal`'s, and ``X'…'``) written as
    the ``'…'`` literal MySQL reports for it (backslash escapes): for comparing what the models say with
    what the server reports.  Hexadecimal that spells no UTF-8 text is left as it is."""

    def one(match: re.Match[str]) -> str:
        value = mysql_hex_value(match.group("a") if match.group("a") is not None else match.group("b"))
        if value is None:
            return match.group(0)
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"

    return _MYSQL_HEX_TEXT.sub(one, sql)


def safe_literals(dialect: str, sql: str) -> str:
    """SQL text SQLAlchemy compiled for ``dialect`` (its literals in the spelling of the server's default
    settings) with each literal written in the form every setting reads the same (see :func:`string_literal`)."""
    if dialect == "postgresql":
        return pg_safe_literals(sql)
    if dialect in ("mysql", "mariadb"):
        return mysql_safe_literals(sql)
    return sql

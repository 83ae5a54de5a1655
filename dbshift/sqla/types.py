"""Type spellings: dialect DDL text ↔ the portable type language (no SQLAlchemy needed; a model's SQLAlchemy
type becomes a type string in :mod:`.model_types`).

* :func:`canonical` turns a dialect's DDL spelling (as reflected or compiled)
  into a type string.
* :func:`render` turns a type string into the dialect's DDL spelling.

Two type strings are the same on a dialect when
``canonical(d, render(d, a)) == canonical(d, render(d, b))`` — which is how
``DateTime(timezone=True)`` equals a reflected SQLite ``DATETIME``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..core.types import enum_type, format_type, mysql_enum_literal, mysql_hex_value, parse_type, quote_literal
from .dialect import MYSQL_FAMILY

# dialect spelling (lower case, without arguments) -> generic name
_ALIASES = {
    "int": "integer", "int4": "integer", "integer": "integer", "serial": "integer", "mediumint": "integer",
    "bigint": "bigint", "int8": "bigint", "bigserial": "bigint",
    "smallint": "smallint", "int2": "smallint", "smallserial": "smallint",
    "character varying": "varchar", "varchar": "varchar", "nvarchar": "varchar",
    "character": "char", "char": "char", "bpchar": "char", "nchar": "char",
    "text": "text", "clob": "text",
    "boolean": "boolean", "bool": "boolean",
    "timestamp without time zone": "timestamp", "timestamp": "timestamp", "datetime": "timestamp",
    "timestamp with time zone": "timestamptz", "timestamptz": "timestamptz",
    "date": "date",
    "time without time zone": "time", "time": "time",
    "time with time zone": "timetz", "timetz": "timetz",
    "interval": "interval",
    "numeric": "numeric", "decimal": "numeric",
    "real": "real", "float4": "real",
    "double precision": "double", "double": "double", "float8": "double",
    "json": "json",
    "bytea": "blob", "blob": "blob",
    "uuid": "uuid",
}

_SPELLING = re.compile(
    r"^(?P<base>[a-z][a-z0-9_ ]*?)\s*(?:\((?P<args>[\d\s,]+)\))?\s*(?P<tz>with(?:out)? time zone)?$"
)


_CHARSET_COLLATE = re.compile(r"(?:\s+(?:(?:character\s+set|charset)\s+\w+|collate\s+(?:\w+|\"[^\"]+\")))+$", re.I)


@lru_cache(maxsize=16384)
def canonical(dialect: str, text: str) -> str:
    """The type string for a dialect's DDL spelling (``"CHARACTER VARYING(20)"`` → ``"varchar(20)"``).

    A character set or collation is not part of the type (see :func:`.model_types.collation_of`).
    """
    text = _CHARSET_COLLATE.sub("", text)
    if dialect in MYSQL_FAMILY:
        mysql = _canonical_mysql(text)
        if mysql is not None:
            return mysql
    text = " ".join(text.strip().lower().split())
    if text.endswith("[]"):
        # PostgreSQL does not enforce array dimensions: integer[][] is integer[]
        return canonical(dialect, re.sub(r"(\[\])+$", "", text)) + "[]"
    if text.startswith("enum"):
        return text
    m = _SPELLING.match(text)
    if not m:
        return text
    base, args, tz = m.group("base"), m.group("args"), m.group("tz")
    numbers = tuple(int(a) for a in args.split(",")) if args else ()
    if tz:
        base = f"{base} {tz}"
    if base == "float":
        return "real" if numbers and numbers[0] <= 24 else "double"
    if dialect == "sqlite" and base in ("timestamp", "datetime"):
        return "timestamp"
    name = _ALIASES.get(base)
    if name is None:
        return text
    if name in ("integer", "bigint", "smallint", "boolean", "real", "double", "text", "blob"):
        numbers = ()  # display widths are not part of the type
    if name in ("timestamp", "timestamptz", "time", "timetz") and dialect != "postgresql":
        numbers = ()  # fractional-second precision is kept on PostgreSQL only (MySQL: see _canonical_mysql)
    if name == "char" and not numbers:
        numbers = (1,)
    return format_type(name, *numbers)


@lru_cache(maxsize=16384)
def render(dialect: str, type_string: str) -> str:
    """The DDL spelling of a type string on ``dialect``."""
    if type_string.endswith("[]"):
        return render(dialect, type_string[:-2]) + "[]"
    if dialect in MYSQL_FAMILY:
        dialect = "mysql"
        special = _MYSQL_OWN.match(type_string.strip())
        if special:  # dbshift's spelling of a MySQL type whose own name is a generic one
            return _MYSQL_OWN_RENDER[special.group(1)] + (special.group(2) or "")
    spec = parse_type(type_string)
    if spec.is_enum:
        if dialect == "postgresql" and spec.enum_name:
            return _quote_pg(spec.enum_name)
        if dialect in ("mysql", "mariadb"):
            return "ENUM(" + ", ".join(mysql_quote(v) for v in spec.values) + ")"
        return f"VARCHAR({max((len(v) for v in spec.values), default=1)})"
    if not spec.is_generic:
        return type_string
    table = _RENDER.get(dialect, _RENDER["default"])
    spelled = table.get(spec.name, spec.name.upper())
    if dialect == "mysql" and spec.name == "varchar" and not spec.args:
        return "VARCHAR(255)"  # MySQL needs a length; models without one are refused by from_metadata
    if spec.args and "{}" in spelled:
        return spelled.format("(" + ", ".join(str(a) for a in spec.args) + ")")
    return spelled.replace("{}", "")


_RENDER: dict[str, dict[str, str]] = {
    "postgresql": {
        "varchar": "VARCHAR{}", "char": "CHAR{}", "numeric": "NUMERIC{}",
        "timestamp": "TIMESTAMP{} WITHOUT TIME ZONE", "timestamptz": "TIMESTAMP{} WITH TIME ZONE",
        "time": "TIME{} WITHOUT TIME ZONE", "timetz": "TIME{} WITH TIME ZONE",
        "double": "DOUBLE PRECISION", "blob": "BYTEA", "interval": "INTERVAL{}",
    },
    "sqlite": {
        "varchar": "VARCHAR{}", "char": "CHAR{}", "numeric": "NUMERIC{}",
        "timestamp": "DATETIME", "timestamptz": "DATETIME", "timetz": "TIME", "interval": "DATETIME",
        "double": "FLOAT", "uuid": "CHAR(32)",
    },
    "mysql": {
        "varchar": "VARCHAR{}", "char": "CHAR{}", "numeric": "DECIMAL{}",
        "timestamp": "DATETIME{}", "timestamptz": "DATETIME{}", "time": "TIME{}", "timetz": "TIME{}",
        "interval": "DATETIME", "boolean": "BOOL", "double": "DOUBLE", "real": "FLOAT", "blob": "BLOB",
        "json": "JSON", "uuid": "CHAR(32)", "text": "TEXT",
    },
    "default": {
        "varchar": "VARCHAR{}", "char": "CHAR{}", "numeric": "NUMERIC{}",
        "timestamp": "DATETIME", "timestamptz": "DATETIME", "timetz": "TIME",
        "double": "DOUBLE", "uuid": "CHAR(32)", "boolean": "BOOL",
    },
}


def _quote_pg(name: str) -> str:
    parts = name.split(".")
    return ".".join(p if re.fullmatch(r"[a-z_][a-z0-9_]*", p) else '"' + p.replace('"', '""') + '"' for p in parts)


@lru_cache(maxsize=16384)
def comparable(dialect: str, type_string: str) -> str:
    """The form in which two type strings compare on ``dialect``."""
    spec = parse_type(type_string)
    if spec.is_enum and dialect == "postgresql" and spec.enum_name:
        return f"enum:{spec.enum_name}"  # values are compared on the enum type itself
    return canonical(dialect, render(dialect, type_string))


# --- MySQL / MariaDB ------------------------------------------------------------------
#
# MySQL's TIMESTAMP (stored in UTC, converted to the session time zone, 1970–2038) is
# not the portable ``timestamp`` (which is DATETIME here), so it is spelled
# ``mysql_timestamp`` / ``mysql_timestamp(6)``.  Fractional-second precision is kept on
# MySQL (``timestamp(6)`` is DATETIME(6)): DATETIME drops microseconds without it.
# Integer display widths (``int(11)``) are dropped; ``tinyint(1)`` is the boolean;
# ``unsigned``/``zerofill`` stay part of the type (``integer unsigned``).  ``longtext``,
# ``mediumtext``, ``tinyint``, ``mediumint``, ``year``, ``set(...)``… are MySQL's own
# spellings and pass through.  JSON on MariaDB is LONGTEXT plus a CHECK; reflection
# recognises that pair (see reflect/mysql.py).  ``sa.Uuid`` is the portable ``uuid``
# (CHAR(32) of hexadecimal digits) except on MariaDB 10.7+, where SQLAlchemy builds the
# native UUID and binds the 36-character form: ``mariadb_uuid`` (known from a
# connection's dialect, which has read the server's version).

_MYSQL_OWN = re.compile(r"^(mysql_timestamp|mariadb_uuid)(\(\d+\))?$")
_MYSQL_OWN_RENDER = {"mysql_timestamp": "TIMESTAMP", "mariadb_uuid": "UUID"}
_MYSQL_LIST = re.compile(r"^\s*(enum|set)\s*\((.*)\)\s*$", re.I | re.S)
_MYSQL_SPELLING = re.compile(
    r"^(?P<base>[a-z][a-z ]*?)\s*(?:\((?P<args>[\d\s,]*)\))?(?P<mods>(?:\s+(?:unsigned|signed|zerofill))*)$"
)
_MYSQL_INTEGERS = {
    "int": "integer", "integer": "integer", "bigint": "bigint", "smallint": "smallint",
    "tinyint": "tinyint", "mediumint": "mediumint", "int4": "integer", "int8": "bigint", "int2": "smallint",
}
_MYSQL_TEMPORAL = {"datetime": "timestamp", "timestamp": "mysql_timestamp", "time": "time"}


def mysql_literal_values(text: str) -> tuple[str, ...]:
    """The values of a MySQL list of string literals: ``'a','it''s','b\\'c'``."""
    values, i = [], 0
    while i < len(text):
        if text[i] == "'":
            hexadecimal = i > 0 and text[i - 1] in "xX"
            value, i = read_mysql_literal(text, i)
            values.append(mysql_hex_value(value) or value if hexadecimal else value)  # X'615c62' is 'a\\b'
        else:
            i += 1
    return tuple(values)


_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def read_mysql_literal(text: str, start: int) -> tuple[str, int]:
    """The value of the MySQL string literal opening at ``text[start]`` and the index after it.

    Both ``''`` and backslash escapes are understood (MariaDB reports ``'it\\'s'``).
    """
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_MYSQL_ESCAPES.get(nxt, nxt))
            i += 2
        elif ch == quote:
            if i + 1 < len(text) and text[i + 1] == quote:
                out.append(quote)
                i += 2
            else:
                return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), i


def mysql_quote(value: str) -> str:
    """A value of a MySQL ENUM that reads the same with or without NO_BACKSLASH_ESCAPES."""
    return mysql_enum_literal(value)


def _canonical_mysql(text: str) -> str | None:
    """MySQL's spelling (``COLUMN_TYPE`` or compiled DDL) → type string; None: use the generic rules."""
    listed = _MYSQL_LIST.match(text)
    if listed:
        values = mysql_literal_values(listed.group(2))
        if listed.group(1).lower() == "enum":
            return enum_type(values)
        return "set(" + ",".join(quote_literal(v) for v in values) + ")"
    lowered = " ".join(text.strip().lower().split())
    own = _MYSQL_OWN.match(lowered)
    if own:
        return lowered
    m = _MYSQL_SPELLING.match(lowered)
    if not m:
        return None
    base, args = m.group("base"), m.group("args")
    mods = " ".join(w for w in m.group("mods").split() if w != "signed")
    numbers = tuple(int(a) for a in args.split(",") if a.strip()) if args else ()
    suffix = f" {mods}" if mods else ""
    if base in ("bool", "boolean") or (base == "tinyint" and numbers == (1,) and not mods):
        return "boolean"
    if base in _MYSQL_INTEGERS:
        return _MYSQL_INTEGERS[base] + suffix
    if base in ("decimal", "numeric", "dec", "fixed"):
        precision = numbers[0] if numbers else 10  # MySQL's DECIMAL is DECIMAL(10,0)
        scale = numbers[1] if len(numbers) > 1 else 0
        return format_type("numeric", precision, scale) + suffix
    if base in ("double", "double precision", "real") and not numbers:
        return "double" + suffix
    if base == "float" and len(numbers) < 2:
        return ("real" if not numbers or numbers[0] <= 24 else "double") + suffix
    if base in _MYSQL_TEMPORAL and not mods:
        return format_type(_MYSQL_TEMPORAL[base], *numbers[:1]) if numbers and numbers[0] else _MYSQL_TEMPORAL[base]
    if base == "year":
        return "year"
    if base == "uuid" and not numbers:
        return "mariadb_uuid"
    if base == "varchar" and not numbers:
        return "varchar(255)"
    return None

"""Canonical forms for comparing what models say with what a database reports.

Databases rewrite what they are given: PostgreSQL stores ``DEFAULT 'x'`` as
``'x'::character varying`` and ``CHECK (price > 0)`` as
``CHECK ((price > (0)::numeric))``; SQLite keeps the text as written.  These
functions map both spellings to one form so that unchanged models produce no
operations.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import Callable

from ..core.diff import Equivalence
from ..core.types import mysql_plain_literals, pg_standard_literals, quote_literal
from .dialect import MYSQL_FAMILY
from .types import comparable, read_mysql_literal

_CAST = re.compile(
    r"::\s*(?:(?:\"[^\"]+\"|[a-z_][a-z0-9_]*)\.)?(\"[^\"]+\"|[a-z_][a-z0-9_]*)"  # a type, maybe schema-qualified
    r"(\s+(varying|precision|with(out)?\s+time\s+zone))*(\s*\([\d\s,]*\))?(\[\])*",
    re.I,
)
_QUOTED_NUMBER = re.compile(r"^'(-?\d+(\.\d+)?)'$")
_BOOL = {"true": "true", "'true'": "true", "'t'": "true", "false": "false", "'false'": "false", "'f'": "false"}
_NOW = {"now()", "current_timestamp", "current_timestamp()", "localtimestamp", "transaction_timestamp()"}


def _outside_quotes(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to the parts of ``text`` that are not inside single-quoted literals."""
    parts = re.split(r"('(?:[^']|'')*')", text)
    return "".join(p if i % 2 else change(p) for i, p in enumerate(parts))


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"'(?:[^']|'')*'", "''", text):
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


_OPERAND = r"([\w.]+|'(?:[^']|'')*')"
_REWRITES = [
    # PostgreSQL stores ``x IN (a, b)`` as ``x = ANY (ARRAY[a, b])`` and ``NOT IN`` as ``<> ALL``
    (re.compile(r"=\s*any\s*\(\s*\(?\s*array\s*\["), " in ("),
    (re.compile(r"<>\s*all\s*\(\s*\(?\s*array\s*\["), " not in ("),
    # … ``LIKE`` as ``~~`` (``ILIKE`` as ``~~*``, ``NOT`` as ``!``) and ``CAST(x AS t)`` as ``x::t``
    (re.compile(r"!~~\*"), " not ilike "),
    (re.compile(r"~~\*"), " ilike "),
    (re.compile(r"!~~"), " not like "),
    (re.compile(r"~~"), " like "),
    (re.compile(rf"\bcast\s*\(\s*{_OPERAND}\s+as\s+[a-z][a-z0-9_ ]*(?:\([\d,\s]*\))?\s*\)"), r"\1"),
    # … and ``x BETWEEN a AND b`` as ``x >= a AND x <= b``
    (re.compile(rf"{_OPERAND}\s+not\s+between\s+{_OPERAND}\s+and\s+{_OPERAND}"), r"\1 < \2 or \1 > \3"),
    (re.compile(rf"{_OPERAND}\s+between\s+{_OPERAND}\s+and\s+{_OPERAND}"), r"\1 >= \2 and \1 <= \3"),
]


@lru_cache(maxsize=16384)
def normalize_expression(text: str) -> str:
    """Case, whitespace, casts, identifier quotes, parentheses and brackets folded away.

    ``!=`` is ``<>``, ``IN (…)`` and ``BETWEEN`` read the same as PostgreSQL's
    rewrites of them (``= ANY (ARRAY[…])``, ``>= … AND <= …``).
    """
    text = _outside_quotes(text.strip(), lambda p: _CAST.sub("", p))
    text = _outside_quotes(text, lambda p: p.lower().replace('"', "").replace("`", "").replace("!=", "<>"))
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _outside_quotes(text, lambda p: re.sub(r"[()\[\]\s]+", "", p))
    return text


@lru_cache(maxsize=16384)
def normalize_default(dialect: str, text: str) -> str:
    if dialect == "postgresql":
        text = pg_standard_literals(text)  # E'a\\b' is 'a\b'
    text = _strip_parens(text.strip())
    text = _outside_quotes(text, lambda p: _CAST.sub("", p)).strip()
    text = _strip_parens(text)
    lowered = _outside_quotes(text, str.lower)
    if lowered in _BOOL:
        return _BOOL[lowered]
    if lowered in _NOW:
        return "current_timestamp"
    number = _QUOTED_NUMBER.match(text)
    if number:
        return number.group(1)
    if dialect == "sqlite" and lowered in ("1", "0"):
        return "true" if lowered == "1" else "false"  # SQLite spells booleans as integers
    return normalize_expression(text) if not text.startswith("'") else text


@lru_cache(maxsize=16384)
def _normalize_pg_expression(text: str) -> str:
    return normalize_expression(pg_standard_literals(text))


def equivalence_for(dialect: str) -> Equivalence:
    """How ``dialect`` decides that a model and a reflected schema agree."""
    if dialect in MYSQL_FAMILY:
        return Equivalence(
            type=partial(comparable, dialect),
            default=normalize_default_mysql,
            expression=normalize_expression_mysql,
            same_collation=_same_mysql_collation,
            compare_autoincrement=True,
        )
    return Equivalence(
        type=partial(comparable, dialect),
        default=partial(normalize_default, dialect),
        expression=_normalize_pg_expression if dialect == "postgresql" else normalize_expression,
        same_collation=_same_sqlite_collation if dialect == "sqlite" else lambda current, target: current == target,
        compare_autoincrement=dialect != "sqlite",
    )


def _same_sqlite_collation(current: str | None, target: str | None) -> bool:
    """SQLite's collation names ignore case; BINARY is the default."""
    return _sqlite_collation(current) == _sqlite_collation(target)


def _sqlite_collation(name: str | None) -> str | None:
    return None if name is None or name.upper() == "BINARY" else name.upper()


def _same_mysql_collation(current: str | None, target: str | None) -> bool:
    """Whether a column with collation ``current`` already has the ``target`` one.

    MySQL reports every text column's collation by name.  A target of None (the
    models say nothing) accepts any; a character set alone (``latin1``, from
    ``charset=``) accepts any collation of that set.
    """
    if target is None or current is None:
        return target is None
    current, target = current.lower(), target.lower()
    return current == target or ("_" not in target and current.startswith(target + "_"))


# --- MySQL / MariaDB ------------------------------------------------------------------
#
# MariaDB stores ``CHECK (length(name) > 0)`` as ``octet_length(`name`) > 0``,
# ``lower(x)`` as ``lcase(`x`)``, ``a % 2`` as ``a MOD 2``, ``x = true`` as ``x = 1`` and
# ``'it''s'`` as ``'it\\'s'``; defaults come back as ``current_timestamp()``, ``1`` for
# ``true`` and ``0.00`` for ``0`` on a DECIMAL(10,2).


def _mysql_parts(text: str) -> list[tuple[bool, str]]:
    """Split MySQL text into (is_literal, piece); literals become standard ``'…'`` spellings.

    A charset introducer before a literal (``_utf8mb4'x'``) is dropped.
    """
    parts: list[tuple[bool, str]] = []
    i, start = 0, 0
    while i < len(text):
        if text[i] == "'":
            before = re.sub(r"_[a-z0-9]+\s*$", "", text[start:i], flags=re.I)
            parts.append((False, before))
            value, i = read_mysql_literal(text, i)
            parts.append((True, quote_literal(value)))
            start = i
        else:
            i += 1
    parts.append((False, text[start:]))
    return parts


_MYSQL_SYNONYMS = [
    (re.compile(r"\boctet_length\s*\("), "length("),
    (re.compile(r"\bcharacter_length\s*\("), "char_length("),
    (re.compile(r"\blcase\s*\("), "lower("),
    (re.compile(r"\bucase\s*\("), "upper("),
    (re.compile(r"\bsubstring\s*\("), "substr("),
    (re.compile(r"\bifnull\s*\("), "coalesce("),
    (re.compile(r"!="), "<>"),
    (re.compile(r"\s+mod\s+"), " % "),
    (re.compile(r"(?<!\bis)(?<!\bnot)\s+true\b"), " 1"),
    (re.compile(r"(?<!\bis)(?<!\bnot)\s+false\b"), " 0"),
]


def _mysql_code(piece: str) -> str:
    piece = piece.lower().replace("`", "")
    for pattern, replacement in _MYSQL_SYNONYMS:
        piece = pattern.sub(replacement, piece)
    return piece


@lru_cache(maxsize=16384)
def normalize_expression_mysql(text: str) -> str:
    """:func:`normalize_expression` after undoing MySQL's own rewrites of an expression."""
    text = mysql_plain_literals(text)  # CONVERT(X'615c62' USING utf8mb4) is 'a\\\\b'
    rewritten = "".join(p if literal else _mysql_code(p) for literal, p in _mysql_parts(text.strip()))
    return normalize_expression(rewritten)


_MYSQL_NOW = re.compile(r"^(?:now|current_timestamp|localtimestamp|localtime)(?:\(\s*(\d*)\s*\))?$")
_MYSQL_TODAY = re.compile(r"^(?:curdate|current_date)(?:\(\s*\))?$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_ON_UPDATE = re.compile(r"\s+on\s+update\s+", re.I)


@lru_cache(maxsize=16384)
def normalize_default_mysql(text: str) -> str:
    """One spelling for a MySQL column default, as a model gives it or MariaDB/MySQL report it."""
    text = mysql_plain_literals(text)
    pieces = _split_on_update(text)
    if len(pieces) == 2:
        return f"{normalize_default_mysql(pieces[0])} on update {normalize_default_mysql(pieces[1])}"
    text = _strip_parens(text.strip())
    parts = _mysql_parts(text)
    if len(parts) == 3 and parts[1][0] and not parts[0][1].strip() and not parts[2][1].strip():
        text = parts[1][1]  # a single literal, in the standard spelling
        unquoted = text[1:-1]
        return _number(unquoted) if _NUMBER.match(unquoted) else text
    lowered = text.lower()
    if lowered in ("true", "false"):
        return "1" if lowered == "true" else "0"
    now = _MYSQL_NOW.match(lowered)
    if now:
        return "current_timestamp" + (f"({now.group(1)})" if now.group(1) and now.group(1) != "0" else "")
    if _MYSQL_TODAY.match(lowered):
        return "current_date"
    if _NUMBER.match(lowered):
        return _number(lowered)
    return normalize_expression_mysql(text)


def _split_on_update(text: str) -> list[str]:
    """``DEFAULT x ON UPDATE y`` (outside literals) → ``[x, y]``."""
    offset = 0
    for literal, piece in _mysql_parts(text):
        if not literal:
            m = _ON_UPDATE.search(piece)
            if m:
                return [text[: offset + m.start()], text[offset + m.end():]]
        offset += len(piece)
    return [text]


def _number(text: str) -> str:
    """``'0.00'`` → ``0``, ``'+1.50'`` → ``1.5``."""
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("+-").partition(".")
    whole = whole.lstrip("0") or "0"
    frac = frac.rstrip("0")
    if whole == "0" and not frac:
        sign = ""
    return sign + whole + (f".{frac}" if frac else "")

"""Splitting SQL scripts into statements, and spotting statements that cannot run in a transaction."""

from __future__ import annotations

import re
from typing import Iterator

_NON_TRANSACTIONAL = re.compile(
    r"^\s*(create\s+(unique\s+)?index\s+concurrently|drop\s+index\s+concurrently|reindex\s+.*concurrently"
    r"|alter\s+type\s+\S+\s+add\s+value|vacuum|create\s+database|drop\s+database|alter\s+system"
    r"|refresh\s+materialized\s+view\s+concurrently"
    r"|alter\s+table\s+(only\s+)?\S+\s+validate\s+constraint|do\s+\$\w*\$.*\bcommit\s*;)",
    re.I | re.S,
)


def needs_no_transaction(sql: str) -> bool:
    """True for statements PostgreSQL refuses (or handles badly) inside a transaction block."""
    return bool(_NON_TRANSACTIONAL.match(strip_leading_comments(sql)))


# MySQL/MariaDB statements that commit the open transaction and themselves (the "implicit commit" list)
_IMPLICIT_COMMIT = re.compile(
    r"(CREATE|ALTER|DROP|RENAME|TRUNCATE|GRANT|REVOKE|LOCK\s+TABLES|UNLOCK\s+TABLES|ANALYZE|OPTIMIZE|REPAIR)\b",
    re.IGNORECASE,
)


def commits_implicitly(sql: str) -> bool:
    """True for MySQL/MariaDB statements that commit by themselves once they succeed (DDL and the like)."""
    return bool(_IMPLICIT_COMMIT.match(strip_leading_comments(sql)))


def strip_leading_comments(sql: str) -> str:
    """``sql`` without the comments and white space before its first word."""
    while True:
        sql = sql.lstrip()
        if sql.startswith("--"):
            sql = sql.split("\n", 1)[1] if "\n" in sql else ""
        elif sql.startswith("/*") and "*/" in sql:
            sql = sql.split("*/", 1)[1]
        else:
            return sql


def split_sql(script: str) -> list[str]:
    """Split a script on top-level semicolons; quotes, dollar quotes and comments are respected.

    Empty statements and comment-only statements are dropped.
    """
    statements: list[str] = []
    buf: list[str] = []
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        if ch in "'\"":
            j = i + 1
            while j < n:
                if script[j] == ch:
                    if j + 1 < n and script[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            buf.append(script[i : j + 1])
            i = j + 1
        elif script.startswith("--", i):
            j = script.find("\n", i)
            j = n if j < 0 else j
            buf.append(script[i:j])
            i = j
        elif script.startswith("/*", i):
            j = script.find("*/", i + 2)
            j = n if j < 0 else j + 2
            buf.append(script[i:j])
            i = j
        elif ch == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", script[i:])
            if m:
                tag = m.group(0)
                j = script.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                buf.append(script[i:j])
                i = j
            else:
                buf.append(ch)
                i += 1
        elif ch == ";":
            statements.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(ch)
            i += 1
    statements.append("".join(buf))
    return [s.strip() for s in statements if strip_leading_comments(s).strip()]


def _depths(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, char, depth after it)`` for each character outside quotes, from ``start``."""
    depth, quote = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None  # a doubled quote closes and reopens: the same either way
        elif ch in "'\"":
            quote = ch
        else:
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth


def closing_paren(text: str, start: int) -> int | None:
    """The index of the ``)`` closing the ``(`` at ``start`` (quotes respected), or None."""
    for i, ch, depth in _depths(text, start):
        if ch == ")" and depth == 0:
            return i
    return None


def strip_outer_parens(text: str, *, every: bool = False) -> str:
    """``(a > 0)`` → ``a > 0``: a layer of parentheses enclosing the whole text (``every``: all such layers)."""
    text = text.strip()
    while text.startswith("(") and closing_paren(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
        if not every:
            break
    return text


def split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses and quotes; empty parts dropped."""
    parts, begin = [], 0
    for i, ch, depth in _depths(text):
        if ch == "," and depth == 0:
            parts.append(text[begin:i].strip())
            begin = i + 1
    parts.append(text[begin:].strip())
    return [p for p in parts if p]

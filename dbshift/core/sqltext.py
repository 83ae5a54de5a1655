"""Splitting SQL scripts into statements, and spotting statements that cannot run in a transaction."""

from __future__ import annotations

import re

_NON_TRANSACTIONAL = re.compile(
    r"^\s*(create\s+(unique\s+)?index\s+concurrently|drop\s+index\s+concurrently|reindex\s+.*concurrently"
    r"|alter\s+type\s+\S+\s+add\s+value|vacuum|create\s+database|drop\s+database|alter\s+system"
    r"|refresh\s+materialized\s+view\s+concurrently)",
    re.I | re.S,
)


def needs_no_transaction(sql: str) -> bool:
    """True for statements PostgreSQL refuses (or handles badly) inside a transaction block."""
    return bool(_NON_TRANSACTIONAL.match(_strip_leading_comments(sql)))


def _strip_leading_comments(sql: str) -> str:
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
    return [s.strip() for s in statements if _strip_leading_comments(s).strip()]

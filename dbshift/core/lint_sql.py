"""Lint of hand-written SQL (``RunSQL``): what the text alone says, as ``squawk`` reads it.  Pure.

Each finding is marked ``heuristic``.  With the database's facts, a statement
that drops, truncates or empties a table the database holds no rows in says
nothing, and lock warnings are kept for tables large enough for them to matter
(see :mod:`dbshift.core.lint`).
"""

from __future__ import annotations

import re
from typing import Callable

from . import ops as o
from .findings import Finding, finding
from .probes import Answer, Facts, rows_text
from .sqltext import split_sql

HEURISTIC_NOTE = " (read from hand-written SQL; heuristic)"

TableFacts = Callable[[str, "str | None"], "Facts | None"]
"""The facts that still describe a table (name, schema) at this point of the plan, if any."""

_NAME = r"(?:if\s+(?:not\s+)?exists\s+)?(?:only\s+)?([\w.\"`]+)"
_CREATE_TABLE = re.compile(r"^create\s+(?:(?:temp|temporary|unlogged)\s+)?table\s+" + _NAME, re.I)
_NOT_A_COLUMN = r"(?!(?:constraint|index|default|not|identity|expression|primary|foreign|check|partition)\b)"
_DROP = re.compile(
    r"^(drop\s+(?:table|schema|database)\b|alter\s+table\s+.*\bdrop\s+(?:column\b|" + _NOT_A_COLUMN + r"\w))",
    re.I | re.S,
)
_TRUNCATE = re.compile(r"^truncate\b", re.I)
_DELETE = re.compile(r"^delete\s+from\b", re.I)
_WHERE = re.compile(r"\bwhere\b", re.I)
_INDEX = re.compile(r"^create\s+(unique\s+)?index\s+(concurrently\s+)?(?:if\s+not\s+exists\s+)?(?:[\w.\"`]+\s+)?on\s+"
                    + _NAME, re.I)
_ALTER = re.compile(r"^alter\s+table\s+" + _NAME, re.I)
_ADD_FK_CHECK = re.compile(r"\badd\b.*\b(foreign\s+key|check)\b", re.I | re.S)
_SET_NOT_NULL = re.compile(r"\bset\s+not\s+null\b", re.I)
_RENAME = re.compile(r"\brename\b", re.I)
_ADD_COLUMN = re.compile(r"^alter\s+table\s+" + _NAME + r"\s+add\s+(?:column\s+)?" + _NAME, re.I)
_DROPPED = re.compile(
    r"^(?:drop\s+table\s+" + _NAME + r"\s*(?:cascade|restrict)?\s*$"
    r"|alter\s+table\s+" + _NAME + r"\s+drop\s+(?:column\s+)?" + _NAME + r"\s*(?:cascade|restrict)?\s*$)",
    re.I,
)


def _bare(name: str) -> str:
    return name.replace('"', "").replace("`", "").lower()


def run_sql(op: o.RunSQL, dialect: str, created: set[str], made: frozenset[str], data: TableFacts) -> list[Finding]:
    """The findings of each statement of ``op``.

    ``created``: the tables the plan made before it; ``made``: what the upgrade
    being undone created (its drops say nothing); ``data``: the facts still
    true of a table here, if any.
    """
    found: list[Finding] = []
    lowered = {c.lower() for c in created}
    for statement in split_sql(op.sql):
        text = _strip_comments(statement)
        first = text.splitlines()[0][:60] if text else ""
        new_table = _CREATE_TABLE.match(text)
        if new_table:
            lowered.add(_bare(new_table.group(1)))
            continue
        if made and (dropped := _DROPPED.match(text)):
            table, altered, column = dropped.groups()
            if (_bare(table) if table else _bare(f"{altered}.{column}")) in made:
                continue

        def add(code: str, message: str, suggestion: str, rows: int | None = None, *, first: str = first) -> None:
            # ``first`` bound now: each statement's findings name that statement
            found.append(finding(code, f"run SQL: {first}", message + HEURISTIC_NOTE, suggestion, heuristic=True,
                                 rows=rows))

        if _DROP.match(text) or _TRUNCATE.match(text) or (_DELETE.match(text) and not _WHERE.search(text)):
            size = _size(_emptied.match(text), data)
            if size is None:
                add("DS110", f"'{first}' removes data",
                    "make sure the data is backed up or no longer needed; DELETE with a WHERE for a subset")
            elif size.count:
                add("DS110", f"'{first}' removes data from {rows_text(size)}",
                    "make sure the data is backed up or no longer needed; DELETE with a WHERE for a subset", size.count)
            continue
        index, alter = _INDEX.match(text), _ALTER.match(text)
        if dialect == "postgresql" and index and not index.group(2) and _bare(index.group(3)) not in lowered \
                and _large(index.group(3), data):
            add("DS106", f"'{first}' blocks writes to {index.group(3)} while the index builds",
                "CREATE INDEX CONCURRENTLY (dbshift runs it outside a transaction)")
        if not alter or _bare(alter.group(1)) in lowered:
            continue
        large = _large(alter.group(1), data)
        if dialect == "postgresql" and large and _ADD_FK_CHECK.search(text) \
                and not re.search(r"\bnot\s+valid\b", text, re.I):
            add("DS107", f"'{first}' checks every row while blocking writes",
                "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a separate statement")
        if _SET_NOT_NULL.search(text) and (large or dialect != "postgresql"):
            add("DS104", f"'{first}' checks every row for NULL"
                + (" under an ACCESS EXCLUSIVE lock" if dialect == "postgresql" else ""),
                "on PostgreSQL: a CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL")
        if _RENAME.search(text):
            add("DS108", f"'{first}' breaks code still using the old name",
                "deploy in steps: add the new name, write to both, move readers, then remove the old one")
    return found


def made_by_sql(sql: str) -> set[str]:
    """The tables and ``table.column`` names ``sql`` creates (lower case, unquoted)."""
    made: set[str] = set()
    for statement in split_sql(sql):
        text = _strip_comments(statement)
        if table := _CREATE_TABLE.match(text):
            made.add(_bare(table.group(1)))
        elif column := _ADD_COLUMN.match(text):
            made.add(_bare(f"{column.group(1)}.{column.group(2)}"))
    return made


_emptied = re.compile(r"^(?:drop\s+table|truncate(?:\s+table)?|delete\s+from)\s+" + _NAME + r"\s*(?:cascade|restrict)?\s*$",
                      re.I)


def _split(name: str) -> tuple[str, str | None]:
    """``schema.table`` as it is written, unquoted: (table, schema)."""
    parts = _bare_case(name).split(".")
    return (parts[-1], parts[-2] if len(parts) > 1 else None)


def _size(match: re.Match[str] | None, data: TableFacts) -> Answer | None:
    """The size of the one table a statement empties, when it names one and the facts hold it."""
    if match is None:
        return None
    table, schema = _split(match.group(1))
    facts = data(table, schema)
    return facts.size(table, schema) if facts is not None else None


def _large(name: str, data: TableFacts) -> bool:
    """The table is large enough for a lock to matter, or its size is not known."""
    table, schema = _split(name)
    facts = data(table, schema)
    size = facts.size(table, schema) if facts is not None else None
    return size is None or (facts is not None and facts.is_large(size))


def _bare_case(name: str) -> str:
    return name.replace('"', "").replace("`", "")


def _strip_comments(sql: str) -> str:
    lines = [line for line in sql.strip().splitlines() if not line.strip().startswith("--")]
    return re.sub(r"/\*.*?\*/", " ", "\n".join(lines), flags=re.S).strip()

"""Helpers shared by the dialect modules: deterministic ordering and exclusion."""

from __future__ import annotations

from typing import Iterable

from ...core import model as m


def _named(name: str | None) -> tuple[bool, str]:
    return (name is None, name or "")


def sorted_fks(fks: Iterable[m.ForeignKey]) -> tuple[m.ForeignKey, ...]:
    return tuple(
        sorted(fks, key=lambda f: (*_named(f.name), f.columns, f.ref_schema or "", f.ref_table, f.ref_columns))
    )


def sorted_uniques(uniques: Iterable[m.Unique]) -> tuple[m.Unique, ...]:
    return tuple(sorted(uniques, key=lambda u: (*_named(u.name), u.columns)))


def sorted_checks(checks: Iterable[m.Check]) -> tuple[m.Check, ...]:
    return tuple(sorted(checks, key=lambda c: (*_named(c.name), c.sqltext)))


def sorted_indexes(indexes: Iterable[m.Index]) -> tuple[m.Index, ...]:
    return tuple(sorted(indexes, key=lambda i: (i.name, i.expressions)))


def excluded(name: str, schema: str | None, exclude: frozenset[str]) -> bool:
    """Whether a table is excluded by its bare or schema-qualified name."""
    return name in exclude or m.qualified(name, schema) in exclude


def strip_outer_parens(text: str) -> str:
    """``(a > 0)`` → ``a > 0``: one layer of parentheses enclosing the whole text."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and _encloses(text):
        return text[1:-1].strip()
    return text


def _encloses(text: str) -> bool:
    """Whether the ``(`` at position 0 closes at the very end (quotes respected)."""
    depth = 0
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                if i + 1 < len(text) and text[i + 1] == quote:
                    i += 1  # doubled quote inside a literal
                else:
                    quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
        i += 1
    return False

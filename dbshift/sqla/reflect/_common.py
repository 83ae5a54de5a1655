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



"""MySQL/MariaDB rules shared by the model side, reflection and rendering.

MySQL keeps keys as indexes: a unique constraint *is* a unique index, and a
foreign key needs an index whose leading columns are its columns — when there
is none, InnoDB creates one, named after the constraint (or, for an unnamed
``t_ibfk_N`` constraint, after its first column), and drops it by itself as
soon as another index can serve.  That implicit index belongs to the foreign
key: neither the models nor reflection list it.
"""

from __future__ import annotations

import re
from typing import Iterable

from ..core import model as m


def implicit_index_name(fk: m.ForeignKey, table: str) -> str | None:
    """The name InnoDB gives the index it creates for ``fk`` on ``table``."""
    if fk.name and re.fullmatch(rf"{re.escape(table)}_ibfk_\d+", fk.name):
        return fk.columns[0]
    return fk.name


def is_foreign_key_index(index: m.Index, fks: Iterable[m.ForeignKey], table: str) -> bool:
    """Whether ``index`` is the one InnoDB created by itself for one of ``fks``."""
    if index.unique or index.using is not None or index.where is not None:
        return False
    return any(
        tuple(index.expressions) == tuple(fk.columns) and index.name in (fk.name, implicit_index_name(fk, table))
        for fk in fks
    )


def index_key(index: m.Index, column_names: Iterable[str]) -> tuple[str, ...]:
    """The leading whole columns of ``index``: what a foreign key could use it for."""
    if index.where is not None or index.using is not None:
        return ()
    names = set(column_names)
    columns = []
    for expression in index.expressions:
        name = re.sub(r"\s+(ASC|DESC)$", "", expression, flags=re.I)
        if name not in names:
            break  # a prefix length or an expression: of no use from here on
        columns.append(name)
    return tuple(columns)


def key_columns(table: m.Table, leaving_out: object = None) -> list[tuple[str, ...]]:
    """The column lists of every index of ``table`` a foreign key could use (not ``leaving_out``)."""
    keys: list[tuple[str, ...]] = []
    if table.primary_key is not None and table.primary_key != leaving_out:
        keys.append(table.primary_key.columns)
    keys += [u.columns for u in table.uniques if u != leaving_out]
    keys += [index_key(i, table.column_names) for i in table.indexes if i != leaving_out]
    return keys


def has_key_for(table: m.Table, columns: tuple[str, ...], leaving_out: object = None) -> bool:
    """Whether an index of ``table`` (other than ``leaving_out``) starts with ``columns``."""
    return any(key[: len(columns)] == tuple(columns) for key in key_columns(table, leaving_out))

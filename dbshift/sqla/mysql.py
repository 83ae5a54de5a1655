"""MySQL/MariaDB rules shared by the model side, reflection and rendering.

MySQL keeps keys as indexes: a unique constraint *is* a unique index, and a
foreign key needs an index whose leading columns are its columns — when there
is none, InnoDB creates one, named after the constraint (or, for one created
unnamed, ``t_ibfk_N``, after its first column), and drops it by itself as soon
as another index can serve.  That implicit index belongs to the foreign key:
neither the models nor reflection list it; reflection keeps its name on the key
(``own_index``), as it stays when the key is dropped and must go with it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, cast

from ..core import model as m


def implicit_index_name(fk: m.ForeignKey, table: str) -> str:
    """The name InnoDB gives the index it creates for ``fk`` on ``table``: the key's own name, or for a key
    created unnamed (``t_ibfk_N``), its first column's."""
    name = m.real_name(fk)
    if name is None or re.fullmatch(rf"{re.escape(table)}_ibfk_\d+", name, re.I):
        return fk.columns[0]
    return name


def is_foreign_key_index(index: m.Index, fks: Iterable[m.ForeignKey], table: str) -> bool:
    """Whether ``index`` is the one InnoDB created by itself for one of ``fks``."""
    return owner_of(index, fks, table) is not None


def owner_of(index: m.Index, fks: Iterable[m.ForeignKey], table: str) -> m.ForeignKey | None:
    """The foreign key (of ``fks``) for which InnoDB created ``index`` by itself, if it did."""
    if index.unique or index.using is not None or index.where is not None:
        return None
    return next(
        (fk for fk in fks
         if tuple(index.expressions) == tuple(fk.columns)
         and index.name in (m.real_name(fk), implicit_index_name(fk, table))),  # a key named t_ibfk_N by hand: either
        None,
    )


def own_indexes(
    fks: Iterable[m.ForeignKey], indexes: Iterable[m.Index], table: str
) -> tuple[list[m.ForeignKey], list[m.Index]]:
    """Foreign keys and indexes as read from the database, the indexes InnoDB created for keys taken out
    and each kept on its key (``own_index``), so dropping the key drops exactly that index."""
    keys = list(fks)
    kept = []
    for index in indexes:
        owner = owner_of(index, keys, table)
        if owner is None:
            kept.append(index)
        else:
            keys[keys.index(owner)] = replace(owner, own_index=index.name)
    return keys, kept


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


#: MariaDB's defaults for a sequence's options (it has no data type: every sequence is a bigint)
MARIADB_SEQUENCE_MAX = 2**63 - 2
MARIADB_SEQUENCE_MIN = -(2**63 - 1)
MARIADB_SEQUENCE_CACHE = 1000


def mariadb_sequence(
    name: str,
    schema: str | None,
    *,
    start: int | None = None,
    increment: int | None = None,
    minvalue: int | None = None,
    maxvalue: int | None = None,
    cycle: bool = False,
    cache: int | None = None,
) -> m.Sequence:
    """A MariaDB sequence as the model holds it: an option at MariaDB's default (bounds of
    ``-(2**63 - 1)`` and ``2**63 - 2``, a cache of 1000) is no option, as one at PostgreSQL's is there.

    MariaDB's "no cache" (CACHE 0 or 1) is PostgreSQL's default, which the model also holds as no
    option: it cannot be told apart from MariaDB's default cache.
    """
    ascending = (increment or 1) > 0
    default_min, default_max = (1, MARIADB_SEQUENCE_MAX) if ascending else (MARIADB_SEQUENCE_MIN, -1)
    return m.Sequence(
        name=name,
        schema=schema,
        start=start,
        increment=increment,
        minvalue=None if minvalue == default_min else minvalue,
        maxvalue=None if maxvalue == default_max else maxvalue,
        cycle=bool(cycle),
        cache=None if cache == MARIADB_SEQUENCE_CACHE else cache,
    )


def mariadb_sequence_options(sequence: m.Sequence) -> dict[str, int | bool]:
    """Every option of ``sequence`` with the value MariaDB gives it (its own defaults filled in):
    ``increment``, ``minvalue``, ``maxvalue``, ``start``, ``cache`` and ``cycle``."""
    increment = cast(int, sequence.resolved()["increment"])
    ascending = increment > 0
    minvalue = sequence.minvalue if sequence.minvalue is not None else (1 if ascending else MARIADB_SEQUENCE_MIN)
    maxvalue = sequence.maxvalue if sequence.maxvalue is not None else (MARIADB_SEQUENCE_MAX if ascending else -1)
    start = sequence.start if sequence.start is not None else (minvalue if ascending else maxvalue)
    cache = sequence.cache if sequence.cache is not None else MARIADB_SEQUENCE_CACHE
    return {"increment": increment, "minvalue": minvalue, "maxvalue": maxvalue, "start": start, "cache": cache,
            "cycle": bool(sequence.cycle)}

"""Making generated migrations safe to run on tables that already hold rows.

A NOT NULL column without a server default cannot be added to a populated
table, and a column cannot become NOT NULL while rows hold NULL.  When the
models give a value to fill in (a scalar Python-side default), the migration is
rewritten into the safe form: add the column as nullable, fill existing rows,
then set NOT NULL.  Without such a value, autogenerate stops and explains.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from . import ops as o
from .errors import DbshiftError
from .model import Column, qualified
from .types import neutral_value


class UnsafeNotNull(DbshiftError):
    def __init__(self, table: str, column: str, rename_hint: str | None = None) -> None:
        self.table, self.column, self.rename_hint = table, column, rename_hint
        if rename_hint:
            advice = f"if it is a rename, re-run with --rename {rename_hint}; otherwise give it a default"
        else:
            advice = (
                "give the column a server_default, or a scalar default= (dbshift then fills existing rows), "
                "or add it nullable, fill it in a hand-written step, and make it NOT NULL after"
            )
        super().__init__(
            f"cannot add NOT NULL column {table}.{column} without a default: rows already in {table} "
            f"would violate it; {advice}"
        )


Backfills = Mapping[tuple[str, str], str]
"""(table key, column name) → SQL literal to fill existing rows with."""


def make_safe(
    ops: list[o.Op] | tuple[o.Op, ...], backfills: Backfills, rename_hints: Mapping[str, str] = {}
) -> list[o.Op]:
    """``ops`` with unsafe NOT NULL additions rewritten, or ``UnsafeNotNull`` when no fill value is known.

    ``rename_hints`` maps "table.column" of a new column to the hint that would
    declare it a rename, so the error can say so.
    """
    result: list[o.Op] = []
    for op in ops:
        if isinstance(op, o.AddColumn) and _needs_value(op.column):
            key = qualified(op.table, op.schema)
            value = backfills.get((key, op.column.name))
            if value is None:
                raise UnsafeNotNull(key, op.column.name, rename_hints.get(f"{key}.{op.column.name}"))
            nullable = replace(op.column, nullable=True)
            result += [
                o.AddColumn(op.table, nullable, op.schema),
                o.Backfill(op.table, op.column.name, value, op.schema),
                o.AlterColumn(op.table, nullable, op.column, op.schema),
            ]
        elif isinstance(op, o.AlterColumn) and op.old.nullable and not op.new.nullable:
            value = backfills.get((qualified(op.table, op.schema), op.new.name)) or op.new.default
            if value is not None and op.new.computed is None:
                result.append(o.Backfill(op.table, op.new.name, value, op.schema))
            result.append(op)
        else:
            result.append(op)
    return result


def _needs_value(column: Column) -> bool:
    return (
        not column.nullable
        and column.default is None
        and column.computed is None
        and column.identity is None
        and not column.autoincrement
    )


def safe_downgrade(ops: list[o.Op] | tuple[o.Op, ...]) -> list[o.Op] | None:
    """A downgrade that runs on populated tables, or None when the plain reverse of ``ops`` already does.

    Re-adding a dropped NOT NULL column (or restoring NOT NULL) needs a value for
    existing rows; the type's neutral value (0, '', false, the epoch) is used.
    """
    plain = o.reverse_all(ops)
    fills: dict[tuple[str, str], str] = {}
    for op in plain:
        if isinstance(op, o.AddColumn):
            column = op.column
        elif isinstance(op, o.AlterColumn):
            column = op.new
        else:
            continue
        if (value := neutral_value(column.type)) is not None:
            fills[(qualified(op.table, op.schema), column.name)] = value
    try:
        safe = make_safe(plain, fills)
    except UnsafeNotNull:
        return None
    return None if safe == plain else safe

"""A change of a named enum type's values on a database that holds them in each column (MySQL, MariaDB, SQLite).

There the change (:class:`~dbshift.core.ops.AlterEnum`) is a change of the
columns of the type (:mod:`dbshift.core.enum_columns`); what both dialects
share is here: the check that refuses to remove a value while rows hold it, and
the SQL that gives a renamed value's rows the new value.
"""

from __future__ import annotations

from ..core import model as m
from ..core import ops as o
from .base import Guard, Renderer


def refuse_removed_values(renderer: Renderer, op: o.AlterEnum, table: m.Table, column: m.Column) -> list[Guard]:
    """A guard that stops the migration, naming how many rows and which, while ``column`` holds a value ``op``
    removes (none when it removes none): removing it would blank or refuse them."""
    if not op.removed:
        return []
    name = renderer.q(column.name)
    key = [renderer.q(c) for c in table.primary_key.columns] if table.primary_key else []
    where = f"{table.key}.{column.name}"
    removed = ", ".join(op.removed)
    sql = (f"SELECT {', '.join(key + [name])} FROM {renderer.table_name(table.name, table.schema)} "
           f"WHERE {name} IN ({', '.join(renderer.literal(v) for v in op.removed)})")
    shown = "row(s)" if key else "value(s)"
    return [renderer.guard(
        sql,
        rule=f"no row of {where} holds {removed}",
        message=(f"cannot remove value(s) {_braced(removed)} from enum type {_braced(op.old.key)}: {{count}} row(s) "
                 f"of {_braced(where)} still hold them ({shown} {{rows}}); change those rows first"),
    )]


def renamed_value(renderer: Renderer, op: o.AlterEnum, column: m.Column) -> str | None:
    """SQL giving ``column``'s value with each value ``op`` renames replaced by its new one (a ``CASE``); None
    when it renames none."""
    if not op.renamed:
        return None
    name = renderer.q(column.name)
    cases = " ".join(f"WHEN {renderer.literal(a)} THEN {renderer.literal(b)}" for a, b in op.renamed)
    return f"CASE {name} {cases} ELSE {name} END"


def rename_rows(renderer: Renderer, op: o.AlterEnum, table: m.Table, column: m.Column) -> list[str]:
    """An UPDATE giving the rows of ``column`` holding a value ``op`` renames the new value (none when it renames
    none)."""
    value = renamed_value(renderer, op, column)
    if value is None:
        return []
    name = renderer.q(column.name)
    sources = ", ".join(renderer.literal(a) for a, _ in op.renamed)
    return [f"UPDATE {renderer.table_name(table.name, table.schema)} SET {name} = {value} WHERE {name} IN ({sources})"]


def _braced(text: str) -> str:
    """``text`` safe inside a :class:`~.base.Guard` message, which is a format string."""
    return text.replace("{", "{{").replace("}", "}}")

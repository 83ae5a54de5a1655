"""Whether a schema shows what an operation made: used to tell, when a run resumes, which of a
migration's operations took effect before its history could say so.

:func:`present` answers True or False only for what a schema says for certain
(a table, column, index, constraint, enum type, sequence or schema there or
not there, under its name); None for everything else (an altered column, an
unnamed index, hand-written SQL), and the caller then trusts the history.
"""

from __future__ import annotations

from .model import Schema, Table, qualified
from .ops import (
    AddColumn, AddConstraint, CreateEnum, CreateIndex, CreateSchema, CreateSequence, CreateTable, DropColumn,
    DropConstraint, DropEnum, DropIndex, DropSchema, DropSequence, DropTable, Op, RenameColumn, RenameTable,
)


def present(op: Op, schema: Schema) -> bool | None:
    """True when ``schema`` shows ``op``'s effect, False when it shows its absence, None when it cannot tell."""
    if isinstance(op, (CreateTable, DropTable)):
        there = schema.has_table(op.table.key)
        return there if isinstance(op, CreateTable) else not there
    if isinstance(op, RenameTable):
        return schema.has_table(qualified(op.new, op.schema)) and not schema.has_table(qualified(op.old, op.schema))
    if isinstance(op, (CreateEnum, DropEnum)):
        there = any(e.key == op.enum.key for e in schema.enums)
        return there if isinstance(op, CreateEnum) else not there
    if isinstance(op, (CreateSequence, DropSequence)):
        there = any(s.key == op.sequence.key for s in schema.sequences)
        return there if isinstance(op, CreateSequence) else not there
    if isinstance(op, (CreateSchema, DropSchema)):
        there = op.name in schema.schemas
        return there if isinstance(op, CreateSchema) else not there
    table = _table(schema, op)
    if table is None:
        return None
    if isinstance(op, (AddColumn, DropColumn)):
        there = table.has_column(op.column.name)
        return there if isinstance(op, AddColumn) else not there
    if isinstance(op, RenameColumn):
        return table.has_column(op.new) and not table.has_column(op.old)
    if isinstance(op, (CreateIndex, DropIndex)):
        if not op.index.name:
            return None
        there = any(i.name == op.index.name for i in table.indexes)
        return there if isinstance(op, CreateIndex) else not there
    if isinstance(op, (AddConstraint, DropConstraint)):
        if not op.constraint.name:
            return None
        there = any(c.name == op.constraint.name for c in table.constraints)
        return there if isinstance(op, AddConstraint) else not there
    return None


def _table(schema: Schema, op: Op) -> Table | None:
    name, namespace = getattr(op, "table", None), getattr(op, "schema", None)
    if not isinstance(name, str):
        return None
    key = qualified(name, namespace)
    return schema.table(key) if schema.has_table(key) else None

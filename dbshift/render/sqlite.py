"""SQLite: what ALTER TABLE cannot do is planned as a table rebuild from the schema model.

A rebuild creates the table as it will be under a temporary name, copies the
rows, drops the old table, renames the new one into place and recreates the
indexes — the procedure the SQLite documentation recommends.  It runs inside
the migration's transaction, so a failure leaves the old table untouched.

SQLite has no comments, no unlogged or clustered tables: operations that change
only those render as nothing.  It has no schemas, sequences or enum types
either: creating or changing one is refused (the migration would otherwise be
recorded without its effect), while dropping one renders as nothing, as there
is none to drop.  Autogenerate never writes any of these for SQLite: the
models' comments, enum types, sequences and schemas are left out of its schema.
"""

from __future__ import annotations

import re

from ..core import model as m
from ..core import ops as o
from ..core.model import qualified
from .base import Renderer

_CONSTANT = r"""'(?:[^']|'')*'|-?\d+(?:\.\d+)?|null|true|false"""
# a default SQLite takes without parentheses
_PLAIN_DEFAULT = re.compile(rf"^\s*(?:{_CONSTANT}|current_(?:timestamp|date|time)|\(.*\))\s*$", re.I | re.S)
# a default ALTER TABLE ADD COLUMN accepts
_CONSTANT_DEFAULT = re.compile(rf"^\s*\(?\s*(?:{_CONSTANT})\s*\)?\s*$", re.I | re.S)


_NO_SCHEMAS = "SQLite has no schemas (each database is one file; attach another with RunSQL)"
_NO_SEQUENCES = "SQLite has no sequences (an INTEGER PRIMARY KEY numbers rows by itself)"
_NO_ENUMS = "SQLite has no enum types (a column's values are limited by a CHECK constraint on its table)"


class SqliteRenderer(Renderer):
    name = "sqlite"
    supports_comments = False
    renders_nothing = {
        o.AlterTableComment: "SQLite has no comments",
        o.AlterTableLogging: "SQLite has no unlogged tables: every table is journaled",
        o.AlterTableCluster: "SQLite has no CLUSTER mark: a table is stored in rowid or primary-key order",
        o.DropEnum: "SQLite has no enum types, so there is none to drop",
        o.DropSequence: "SQLite has no sequences, so there is none to drop",
        o.DropSchema: "SQLite has no schemas, so there is none to drop",
    }
    unsupported = {
        o.CreateSchema: _NO_SCHEMAS,
        o.CreateSequence: _NO_SEQUENCES,
        o.AlterSequence: _NO_SEQUENCES,
        o.AttachSequence: _NO_SEQUENCES,
        o.DetachSequence: _NO_SEQUENCES,
        o.CreateEnum: _NO_ENUMS,
        o.AlterEnum: _NO_ENUMS,
    }

    def default_sql(self, default: str) -> str:
        return default if _PLAIN_DEFAULT.match(default) else f"({default})"

    def deferrable_sql(self, c: m.PrimaryKey | m.Unique | m.ForeignKey | m.Exclude) -> str:
        return super().deferrable_sql(c) if isinstance(c, m.ForeignKey) else ""  # SQLite defers foreign keys only

    # operations SQLite does in place ----------------------------------------

    def render_add_column(self, op: o.AddColumn, schema: m.Schema) -> list:
        c = op.column
        if (not c.nullable and c.default is None) or c.computed is not None:
            return self.rebuild(schema, op)
        if c.default is not None and not _CONSTANT_DEFAULT.match(c.default):
            return self.rebuild(schema, op)  # ADD COLUMN refuses non-constant defaults
        return super().render_add_column(op, schema)

    def render_drop_column(self, op: o.DropColumn, schema: m.Schema) -> list:
        table = schema.table(qualified(op.table, op.schema))
        if _is_referenced(table, op.column.name) or _is_referenced_elsewhere(schema, table, op.column.name):
            return self.rebuild(schema, op)
        return super().render_drop_column(op, schema)

    def render_drop_index(self, op: o.DropIndex, schema: m.Schema) -> list:
        return [f"DROP INDEX {self.q(op.index.name)}"]

    # operations that need a rebuild ----------------------------------------------

    def render_alter_column(self, op: o.AlterColumn, schema: m.Schema) -> list:
        if op.changes == ("comment",) or op.changes == ():
            return []
        return self.rebuild(schema, op)

    def render_add_constraint(self, op: o.AddConstraint, schema: m.Schema) -> list:
        return self.rebuild(schema, op)

    def render_drop_constraint(self, op: o.DropConstraint, schema: m.Schema) -> list:
        return self.rebuild(schema, op)

    def rebuild(self, schema: m.Schema, op: o.Op) -> list[str]:
        """Statements that rebuild the table ``op`` changes, as ``op.apply`` says it will be."""
        key = qualified(op.table, op.schema)  # type: ignore[attr-defined]
        before = schema.table(key)
        after = op.apply(schema).table(key)
        temp = f"_dbshift_new_{after.name}"
        copied = [
            c.name for c in after.columns if before.has_column(c.name) and c.computed is None
            and before.column(c.name).computed is None
        ]
        columns = ", ".join(self.q(c) for c in copied)
        return [
            self.create_table_sql(after, name=temp),
            f"INSERT INTO {self.q(temp)} ({columns}) SELECT {columns} FROM {self.table_name(before.name, None)}",
            f"DROP TABLE {self.table_name(before.name, None)}",
            f"ALTER TABLE {self.q(temp)} RENAME TO {self.q(after.name)}",
        ] + [self.create_index_sql(after.name, None, i) for i in after.indexes]


def _is_referenced(table: m.Table, column: str) -> bool:
    """True when a constraint, index or generated column of the table uses the column."""
    names = [c for con in table.constraints for c in getattr(con, "columns", ())]
    names += [e for i in table.indexes for e in i.expressions]
    if column in names:
        return True
    texts = [c.sqltext for c in table.checks] + [i.where or "" for i in table.indexes]
    texts += [e for i in table.indexes for e in i.expressions] + [c.computed or "" for c in table.columns]
    return any(re.search(rf"\b{re.escape(column)}\b", t) for t in texts)


def _is_referenced_elsewhere(schema: m.Schema, table: m.Table, column: str) -> bool:
    return any(
        fk.ref_table == table.name and column in fk.ref_columns for t in schema.tables for fk in t.foreign_keys
    )

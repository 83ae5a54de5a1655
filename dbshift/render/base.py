"""Rendering operations to SQL: the statements every dialect shares.

``Renderer(dialect).render(op, schema)`` returns the statements for one
operation, given the schema as it stands before the operation (needed where a
dialect must rebuild a table).  Dialect modules override only what differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core import model as m
from ..core import ops as o
from ..core.errors import DbshiftError
from ..core.sqltext import needs_no_transaction, split_sql
from ..core.types import quote_literal
from ..sqla.dialect import dialect_for
from ..sqla.types import render as render_type


@dataclass(frozen=True)
class Statement:
    """One SQL statement; ``transactional=False`` for statements that must run outside a transaction."""

    sql: str
    transactional: bool = True


class UnsupportedOperation(DbshiftError):
    def __init__(self, op: o.Op, dialect: str, detail: str) -> None:
        super().__init__(f"cannot {op.describe()} on {dialect}: {detail}")


class UnsupportedConstraint(DbshiftError):
    def __init__(self, constraint: m.Constraint, dialect: str, detail: str) -> None:
        super().__init__(f"cannot create constraint {constraint.name or '(unnamed)'} on {dialect}: {detail}")
        self.constraint, self.dialect = constraint, dialect


class Renderer:
    name = "default"
    supports_comments = True

    def __init__(self) -> None:
        self.preparer = dialect_for(self.name).identifier_preparer

    # --- entry point ---------------------------------------------------------

    def render(self, op: o.Op, schema: m.Schema) -> list[Statement]:
        method = getattr(self, "render_" + _snake(type(op).__name__), None)
        if method is None:
            return []
        result = method(op, schema)
        return [s if isinstance(s, Statement) else Statement(s) for s in result]

    # --- names -----------------------------------------------------------------

    def q(self, name: str) -> str:
        return self.preparer.quote(name)

    def table_name(self, name: str, schema: str | None) -> str:
        return f"{self.q(schema)}.{self.q(name)}" if schema else self.q(name)

    def type_sql(self, type_string: str) -> str:
        return render_type(self.name, type_string)

    def default_sql(self, default: str) -> str:
        return default

    # --- pieces ------------------------------------------------------------------

    def column_sql(self, column: m.Column, table: m.Table | None = None) -> str:
        parts = [self.q(column.name), self.type_sql(column.type)]
        if column.collation is not None:
            parts.append(self.collation_sql(column.collation))
        if column.computed is not None:
            parts.append(f"GENERATED ALWAYS AS ({column.computed}) {'VIRTUAL' if column.virtual else 'STORED'}")
        elif column.default is not None:
            parts.append("DEFAULT " + self.default_sql(column.default))
        if column.identity is not None:
            parts.append(self.identity_sql(column.identity))
        if not column.nullable:
            parts.append("NOT NULL")
        return " ".join(parts)

    def collation_sql(self, collation: str) -> str:
        return f"COLLATE {self.q(collation)}"

    def identity_sql(self, identity: m.Identity) -> str:
        options = []
        if identity.start is not None:
            options.append(f"START WITH {identity.start}")
        if identity.increment is not None:
            options.append(f"INCREMENT BY {identity.increment}")
        how = "ALWAYS" if identity.always else "BY DEFAULT"
        return f"GENERATED {how} AS IDENTITY" + (f" ({' '.join(options)})" if options else "")

    def columns_list(self, names: tuple[str, ...]) -> str:
        return ", ".join(self.q(n) for n in names)

    def constraint_sql(self, c: m.Constraint) -> str:
        head = f"CONSTRAINT {self.q(c.name)} " if c.name else ""
        if isinstance(c, m.PrimaryKey):
            return head + f"PRIMARY KEY ({self.columns_list(c.columns)})" + self.deferrable_sql(c)
        if isinstance(c, m.Unique):
            return head + f"UNIQUE ({self.columns_list(c.columns)})" + self.deferrable_sql(c)
        if isinstance(c, m.Check):
            return head + f"CHECK ({c.sqltext})"
        if isinstance(c, m.Exclude):
            if self.name != "postgresql":
                raise UnsupportedConstraint(c, self.name, "only PostgreSQL has exclusion constraints")
            return head + self.exclude_sql(c)
        sql = (
            head
            + f"FOREIGN KEY ({self.columns_list(c.columns)}) REFERENCES "
            + f"{self.table_name(c.ref_table, c.ref_schema)} ({self.columns_list(c.ref_columns)})"
        )
        if c.on_delete:
            sql += f" ON DELETE {c.on_delete}"
        if c.on_update:
            sql += f" ON UPDATE {c.on_update}"
        return sql + self.deferrable_sql(c)

    def exclude_sql(self, c: m.Exclude) -> str:
        sql = f"EXCLUDE USING {c.using} ({', '.join(c.elements)})"
        if c.include:
            sql += f" INCLUDE ({self.columns_list(c.include)})"
        if c.where:
            sql += f" WHERE ({c.where})"
        return sql + self.deferrable_sql(c)

    def deferrable_sql(self, c: m.PrimaryKey | m.Unique | m.ForeignKey | m.Exclude) -> str:
        """`` DEFERRABLE INITIALLY …`` for a deferrable constraint, else nothing."""
        if not c.deferrable:
            return ""
        return " DEFERRABLE INITIALLY " + ("DEFERRED" if c.initially_deferred else "IMMEDIATE")

    def create_table_sql(self, table: m.Table, name: str | None = None) -> str:
        lines = [self.column_sql(c, table) for c in table.columns]
        lines += [self.constraint_sql(c) for c in table.constraints]
        target = self.table_name(name or table.name, table.schema)
        return f"CREATE TABLE {target} (\n    " + ",\n    ".join(lines) + "\n)"

    def index_expression(self, expression: str) -> str:
        """A key of CREATE INDEX: a quoted column name or a parenthesised expression, then its ordering."""
        order = _ORDERING.search(expression)
        bare, suffix = expression[: order.start()], order.group(0).upper()
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", bare):
            return self.q(bare) + suffix
        with_opclass = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_$]*)\s+([A-Za-z_][A-Za-z0-9_.]*)", bare)
        if with_opclass:  # a column and its operator class (PostgreSQL)
            return f"{self.q(with_opclass.group(1))} {with_opclass.group(2)}{suffix}"
        return expression if expression.startswith("(") else f"({bare}){suffix}"

    def create_index_sql(self, table: str, schema: str | None, index: m.Index) -> str:
        unique = "UNIQUE " if index.unique else ""
        sql = f"CREATE {unique}INDEX {self.q(index.name)} ON {self.table_name(table, schema)}"
        if index.using and self.name == "postgresql":
            sql += f" USING {index.using}"
        sql += " (" + ", ".join(self.index_expression(e) for e in index.expressions) + ")"
        if index.include and self.name == "postgresql":
            sql += f" INCLUDE ({self.columns_list(index.include)})"
        if index.where:
            sql += f" WHERE {index.where}"
        return sql

    def comment_statements(self, table: m.Table) -> list[str]:
        if not self.supports_comments:
            return []
        result = []
        if table.comment:
            result.append(self.table_comment_sql(table.name, table.schema, table.comment))
        for c in table.columns:
            if c.comment:
                result.append(self.column_comment_sql(table.name, table.schema, c))
        return result

    def table_comment_sql(self, table: str, schema: str | None, comment: str | None) -> str:
        value = quote_literal(comment) if comment else "NULL"
        return f"COMMENT ON TABLE {self.table_name(table, schema)} IS {value}"

    def column_comment_sql(self, table: str, schema: str | None, column: m.Column) -> str:
        value = quote_literal(column.comment) if column.comment else "NULL"
        return f"COMMENT ON COLUMN {self.table_name(table, schema)}.{self.q(column.name)} IS {value}"

    # --- operations ------------------------------------------------------------

    def render_create_table(self, op: o.CreateTable, schema: m.Schema) -> list:
        t = op.table
        return (
            [self.create_table_sql(t)]
            + [self.create_index_sql(t.name, t.schema, i) for i in t.indexes]
            + self.comment_statements(t)
        )

    def render_drop_table(self, op: o.DropTable, schema: m.Schema) -> list:
        return [f"DROP TABLE {self.table_name(op.table.name, op.table.schema)}"]

    def render_rename_table(self, op: o.RenameTable, schema: m.Schema) -> list:
        return [f"ALTER TABLE {self.table_name(op.old, op.schema)} RENAME TO {self.q(op.new)}"]

    def render_alter_table_comment(self, op: o.AlterTableComment, schema: m.Schema) -> list:
        return [self.table_comment_sql(op.table, op.schema, op.new)] if self.supports_comments else []

    def render_add_column(self, op: o.AddColumn, schema: m.Schema) -> list:
        sql = f"ALTER TABLE {self.table_name(op.table, op.schema)} ADD COLUMN {self.column_sql(op.column)}"
        comments = [self.column_comment_sql(op.table, op.schema, op.column)] if op.column.comment else []
        return [sql] + (comments if self.supports_comments else [])

    def render_drop_column(self, op: o.DropColumn, schema: m.Schema) -> list:
        return [f"ALTER TABLE {self.table_name(op.table, op.schema)} DROP COLUMN {self.q(op.column.name)}"]

    def render_rename_column(self, op: o.RenameColumn, schema: m.Schema) -> list:
        return [
            f"ALTER TABLE {self.table_name(op.table, op.schema)} RENAME COLUMN {self.q(op.old)} TO {self.q(op.new)}"
        ]

    def render_create_index(self, op: o.CreateIndex, schema: m.Schema) -> list:
        return [self.create_index_sql(op.table, op.schema, op.index)]

    def render_drop_index(self, op: o.DropIndex, schema: m.Schema) -> list:
        return [f"DROP INDEX {self.table_name(op.index.name, op.schema)}"]

    def render_add_constraint(self, op: o.AddConstraint, schema: m.Schema) -> list:
        return [f"ALTER TABLE {self.table_name(op.table, op.schema)} ADD {self.constraint_sql(op.constraint)}"]

    def render_drop_constraint(self, op: o.DropConstraint, schema: m.Schema) -> list:
        if not op.constraint.name:
            raise UnsupportedOperation(op, self.name, "the constraint has no name")
        return [f"ALTER TABLE {self.table_name(op.table, op.schema)} DROP CONSTRAINT {self.q(op.constraint.name)}"]

    def render_backfill(self, op: o.Backfill, schema: m.Schema) -> list:
        column = self.q(op.column)
        return [f"UPDATE {self.table_name(op.table, op.schema)} SET {column} = {op.value} WHERE {column} IS NULL"]

    def render_run_sql(self, op: o.RunSQL, schema: m.Schema) -> list:
        return [Statement(s, transactional=not needs_no_transaction(s)) for s in split_sql(op.sql)]


_ORDERING = re.compile(r"(\s+(ASC|DESC))?(\s+NULLS\s+(FIRST|LAST))?\s*$", re.I)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()

"""Rendering operations to SQL: the statements every dialect shares.

``Renderer(dialect).render(op, schema)`` returns the statements for one
operation, given the schema as it stands before the operation (needed where a
dialect must rebuild a table).  Dialect modules override only what differs.

Every operation a renderer is given ends in one of three ways, and each
dialect's choice is data a test checks for every operation type:

* it has a ``render_<snake_case_name>`` method, which returns the statements;
* it is listed in ``renders_nothing`` (with the reason): the operation changes
  nothing this dialect can hold (a comment on SQLite), so ``[]`` is correct;
* otherwise :class:`UnsupportedOperation` is raised, with the reason from
  ``unsupported`` when the dialect lists one.  An operation is never dropped
  silently: a migration whose effect would be lost fails before it is recorded.

The data steps in :data:`DATA_STEPS` (``RunPython``, ``BulkInsert``,
``BulkDelete``) are executed by the runner through its sink, never rendered.

Besides plain :class:`Statement` values a renderer may return two kinds the
runner executes inside the migration's transaction, the renderer staying pure
(operation in, statements out):

* :class:`Guard`: a query returning the rows that break a rule (a rebuilt
  table must hold every row of the old one); if any come back the migration
  fails with one clear line and is rolled back;
* :class:`Replay`: a query returning statements the database itself holds
  (the triggers a rebuild drops with the old table), run in turn.

A SQL script (``--sql``) cannot run either: it gets each one's ``offline``
form instead, statements that fail by themselves where the dialect allows.

A constraint the models leave unnamed is created without a name, and dropped
by the name the database gave it: the schema an operation is rendered against
comes from the database when there is one, and reflection keeps that name
(``server_name``).  With no database read (``--sql``), the drop uses the name
the database gives such a constraint by default, with a comment saying so
(:meth:`Renderer.constraint_name`).
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, ClassVar, Mapping, Sequence

from ..core import model as m
from ..core import ops as o
from ..core.diff import find_constraint
from ..core.errors import DbshiftError
from ..core.model import qualified
from ..core.objects import DbObject
from ..core.narrowing import Loss
from ..core.sqltext import needs_no_transaction, split_sql
from ..core.types import string_literal
from ..sqla.dialect import dialect_for
from ..sqla.normalize import equivalence_for
from ..sqla.server_names import default_name
from ..sqla.types import render as render_type
from ..core.values import frozen


@frozen
class Statement:
    """One SQL statement; ``transactional=False`` for statements that must run outside a transaction."""

    sql: str
    transactional: bool = True

    @property
    def label(self) -> str:
        """The statement as events and errors show it: its SQL."""
        return self.sql


SHOWN_ROWS = 5
"""How many offending rows a failed :class:`Guard` names."""


@frozen
class Guard(Statement):
    """A rule the data must meet for the migration to go on, checked inside its transaction.

    ``sql`` is a query returning the rows that break the rule, so the rule
    holds when it returns none; ``rule`` says in one line what it checks.  When
    rows come back the step fails and is rolled back with :meth:`failure`:
    ``message`` formatted with the first row's columns by name, ``{count}`` (how
    many rows came back) and ``{rows}`` (the first column of the first few,
    comma-separated).  ``offline`` is what a SQL script holds instead (see
    :meth:`Renderer.guard`).
    """

    rule: str = ""
    message: str = ""
    offline: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"check: {self.rule}"

    def failure(self, rows: Sequence[Mapping[str, Any]], count: int) -> str:
        """The one line a failed check reports, from the first rows the query returned and their ``count``."""
        shown = ", ".join(str(next(iter(row.values()), "")) for row in rows[:SHOWN_ROWS])
        if count > SHOWN_ROWS:
            shown += f" and {count - SHOWN_ROWS} more"
        values = _Blanks({k: v for k, v in (rows[0] if rows else {}).items()}, count=count, rows=shown)
        return " ".join(self.message.format_map(values).split())


class _Blanks(dict):
    """Format values; a placeholder the row lacks stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@frozen
class Replay(Statement):
    """Statements kept in the database, run in turn: ``sql`` is a query returning one a row.

    Each row is ``(statement, what)``; ``what`` names what the statement
    re-creates or checks, for the one line that reports its failure.  A
    rebuild uses it for what the schema model does not describe (a table's
    triggers, read before the old table is dropped).  ``what`` of the whole
    is its :attr:`label`; ``offline`` is what a SQL script holds instead.
    """

    what: str = ""
    offline: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.what


DATA_STEPS: frozenset[type[o.Op]] = frozenset({o.RunPython, o.BulkInsert, o.BulkDelete})
"""Hand-written data steps the runner executes itself (``sink.call``): they have no SQL to render."""


class UnsupportedOperation(DbshiftError):
    """``op`` has no SQL on ``dialect``; ``detail`` says why (and what to write instead)."""

    def __init__(self, op: o.Op, dialect: str, detail: str) -> None:
        super().__init__(f"cannot {op.describe()} on {dialect}: {detail}")
        self.op, self.dialect, self.detail = op, dialect, detail


class UnsupportedConstraint(DbshiftError):
    """``constraint`` cannot be created on ``dialect``; ``detail`` says why."""

    def __init__(self, constraint: m.Constraint, dialect: str, detail: str) -> None:
        super().__init__(f"cannot create constraint {constraint.name or '(unnamed)'} on {dialect}: {detail}")
        self.constraint, self.dialect, self.detail = constraint, dialect, detail


class ConstraintNotThere(DbshiftError):
    """Table ``table`` holds no constraint that is ``constraint`` (the one named so, or for an unnamed one,
    one doing the same), so there is none to drop; a name guessed for it could be another constraint's."""

    def __init__(self, table: str, constraint: m.Constraint) -> None:
        self.table, self.constraint = table, constraint
        super().__init__(f"table {table} has no {described(constraint)} to drop")


def described(c: m.Constraint) -> str:
    """What a constraint does, in a few words: ``foreign key (editor_id) referencing author (id)``."""
    named = f" {c.name}" if c.name else ""
    if isinstance(c, m.PrimaryKey):
        return f"primary key{named} ({', '.join(c.columns)})"
    if isinstance(c, m.ForeignKey):
        target = qualified(c.ref_table, c.ref_schema)
        return f"foreign key{named} ({', '.join(c.columns)}) referencing {target} ({', '.join(c.ref_columns)})"
    if isinstance(c, m.Unique):
        return f"unique key{named} ({', '.join(c.columns)})"
    if isinstance(c, m.Check):
        return f"CHECK{named} ({c.sqltext})"
    return f"exclusion constraint{named} ({', '.join(c.elements)})"


VALIDATED_ALREADY = "only PostgreSQL adds a constraint NOT VALID: here it checked the rows when it was added"
SQLITE_TABLE_OPTIONS = "WITHOUT ROWID, STRICT and AUTOINCREMENT are SQLite's table options: this database has none"


class Renderer:
    name = "default"
    supports_comments = True
    renders_nothing: ClassVar[Mapping[type[o.Op], str]] = {
        o.AlterTableOptions: SQLITE_TABLE_OPTIONS,
        o.ValidateConstraint: VALIDATED_ALREADY,
    }
    """Operation types this dialect deliberately renders as no statement, each with the reason."""
    unsupported: ClassVar[Mapping[type[o.Op], str]] = {}
    """Operation types this dialect cannot do, each with the reason :class:`UnsupportedOperation` gives."""

    def __init__(self) -> None:
        self.preparer = dialect_for(self.name).identifier_preparer

    # --- entry point ---------------------------------------------------------

    def render(self, op: o.Op, schema: m.Schema) -> list[Statement]:
        """The statements for ``op``, given ``schema`` as it is before ``op``.

        ``[]`` only for an operation type listed in ``renders_nothing`` (or one
        whose method finds nothing to change); :class:`UnsupportedOperation`
        for any operation this dialect has no method for.
        """
        kind = type(op)
        if kind in self.renders_nothing:
            return []
        method = self.method_for(kind)
        if method is None:
            raise UnsupportedOperation(op, self.name, self.why_unsupported(kind))
        return [s if isinstance(s, Statement) else Statement(s) for s in method(op, schema)]

    def method_for(self, kind: type[o.Op]) -> Callable[[Any, m.Schema], list] | None:
        """The ``render_<snake_case_name>`` method for operations of type ``kind``, or None."""
        return getattr(self, "render_" + _snake(kind.__name__), None)

    def why_unsupported(self, kind: type[o.Op]) -> str:
        """Why operations of type ``kind`` cannot be rendered here: the detail of :class:`UnsupportedOperation`."""
        if kind in DATA_STEPS:
            return "it is a data step the runner executes itself, not SQL to render"
        return self.unsupported.get(kind, f"dbshift has no SQL for {kind.__name__} on this database")

    # --- names -----------------------------------------------------------------

    def q(self, name: str) -> str:
        return self.preparer.quote(name)

    def table_name(self, name: str, schema: str | None) -> str:
        return f"{self.q(schema)}.{self.q(name)}" if schema else self.q(name)

    def type_sql(self, type_string: str) -> str:
        return render_type(self.name, type_string)

    def default_sql(self, default: str) -> str:
        return default

    def literal(self, value: str) -> str:
        """``value`` as a string constant that every setting of this database reads the same."""
        return string_literal(self.name, value)

    # --- checks ------------------------------------------------------------------

    def guard(self, sql: str, rule: str, message: str) -> Guard:
        """A :class:`Guard`: ``sql`` returns the rows breaking ``rule``; ``message`` reports them (see there)."""
        return Guard(sql, rule=rule, message=message, offline=tuple(self.guard_offline(sql, rule)))

    def guard_offline(self, sql: str, rule: str) -> list[str]:
        """What a SQL script holds in place of a guard: here a comment; a dialect that can writes
        statements that fail by themselves when ``sql`` returns a row."""
        return [f"-- not checked by this script: {rule}"]

    def loss_check(self, op: o.AlterColumn, schema: m.Schema) -> list[Statement]:
        """Before a type change that could cut, round or overflow values: a guard that refuses it while any row
        holds such a value (none when the migration accepts the loss, or the dialect's types never cut)."""
        narrowing = op.loss
        if narrowing is None or op.accept_loss:
            return []
        column = self.q(op.old.name)
        condition = self.loss_condition(column, narrowing, self.type_sql(op.new.type))
        if condition is None:
            return []
        table = schema.table(qualified(op.table, op.schema)) if schema.has_table(qualified(op.table, op.schema)) else None
        key = [self.q(c) for c in table.primary_key.columns] if table is not None and table.primary_key else []
        where = f"{qualified(op.table, op.schema)}.{op.old.name}"
        shown = "row(s)" if key else "value(s)"
        sql = (f"SELECT {', '.join(key + [column])} FROM {self.table_name(op.table, op.schema)} "
               f"WHERE {column} IS NOT NULL AND {condition}")
        return [self.guard(
            sql,
            rule=f"{where} holds only {narrowing.rule}",
            message=(f"{{count}} {shown} of {where} would be cut, rounded or refused by {op.new.type} "
                     f"(it holds {narrowing.rule}): {{rows}}; change them first, or state in the migration that "
                     "the loss is intended: AlterColumn(..., accept_loss=True)"),
        )]

    def loss_condition(self, column: str, loss: Loss, new_type: str) -> str | None:
        """SQL true for a value of ``column`` the new type (``new_type``, as this dialect writes it) would change;
        None where types never change values."""
        if loss.cast:
            return f"CAST({column} AS {new_type}) <> {column}"
        text, number = self.as_text(column), self.as_number(column)
        if loss.length is not None:
            return f"char_length({text}) > {loss.length}"
        if loss.values is not None:
            return f"{text} NOT IN ({', '.join(self.literal(v) for v in loss.values)})"
        if loss.dropped is not None:
            return "(" + " OR ".join(self.set_holds(column, member) for member in loss.dropped) + ")"
        if loss.bits is not None:
            low, high = -(2 ** (loss.bits - 1)), 2 ** (loss.bits - 1) - 1
            return f"({number} <> round({number}) OR {number} NOT BETWEEN {low} AND {high})"
        if loss.digits is not None and loss.scale is not None:
            return f"({number} <> round({number}, {loss.scale}) OR abs({number}) >= 1{'0' * loss.digits})"
        return None

    def set_holds(self, column: str, member: str) -> str:
        """SQL true when the value of ``column``, a MySQL ``SET`` (only MySQL has them), holds ``member``."""
        return f"FIND_IN_SET({self.literal(member)}, {column}) > 0"

    def as_text(self, column: str) -> str:
        """``column``'s value as text, for comparing lengths and names."""
        return column

    def as_number(self, column: str) -> str:
        """``column``'s value as an exact number, for comparing digits and ranges."""
        return column

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
        bare, suffix = _split_ordering(expression)
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
        value = self.literal(comment) if comment else "NULL"
        return f"COMMENT ON TABLE {self.table_name(table, schema)} IS {value}"

    def column_comment_sql(self, table: str, schema: str | None, column: m.Column) -> str:
        value = self.literal(column.comment) if column.comment else "NULL"
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
        return [self.table_comment_sql(op.table, op.schema, op.new)]

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
        name, note = self.constraint_name(op, schema)
        return [note + f"ALTER TABLE {self.table_name(op.table, op.schema)} DROP CONSTRAINT {self.q(name)}"]

    # --- the constraint an operation changes -----------------------------------------

    def existing(self, op: o.DropConstraint, schema: m.Schema) -> m.Constraint | None:
        """``op``'s constraint as ``schema`` holds it: the one named so, or (unnamed) the one doing the same;
        read from the database, it knows the name the database gave it."""
        table = _table_of(schema, op.table, op.schema)
        return find_constraint(table, op.constraint, equivalence_for(self.name)) if table is not None else None

    def constraint_name(self, op: o.DropConstraint, schema: m.Schema) -> tuple[str, str]:
        """The name to drop ``op``'s constraint by, and a SQL comment line to put before the statement
        (``""`` when the name is certain).

        The name the table's constraint goes by: the models' name, or the one the
        database gave it, as read from the database (``schema`` then comes from
        reflection; a migration naming a constraint the database holds unnamed,
        written on another database, finds it by what it does); else, when
        no database was read (``--sql``), the name this database gives such a
        constraint by default, which the comment says.  An unnamed constraint
        its table does not hold is refused (:class:`ConstraintNotThere`).
        """
        found = self.existing(op, schema)
        name = (m.real_name(found) if found is not None else None) or op.constraint.name
        if name:
            return name, ""
        table = _table_of(schema, op.table, op.schema)
        if table is None:  # made by hand-written SQL the schema model cannot follow
            table = m.Table(op.table, ())
        elif found is None:
            raise ConstraintNotThere(qualified(op.table, op.schema), op.constraint)
        guess = default_name(self.name, found or op.constraint, table)
        if guess is None:
            raise UnsupportedOperation(op, self.name, "the constraint has no name and this database gives it none")
        kind = type(op.constraint).__name__.lower()
        note = (f"-- {guess}: the name {self.name} gives an unnamed {kind} by default; "
                "it was not read from the database\n")
        return guess, note

    def render_backfill(self, op: o.Backfill, schema: m.Schema) -> list:
        column = self.q(op.column)
        return [f"UPDATE {self.table_name(op.table, op.schema)} SET {column} = {op.value} WHERE {column} IS NULL"]

    def render_run_sql(self, op: o.RunSQL, schema: m.Schema) -> list:
        return [Statement(s, transactional=not needs_no_transaction(s)) for s in split_sql(op.sql)]

    # --- views, functions, triggers…: the statements each object carries ----------------------

    def render_create_object(self, op: o.CreateObject, schema: m.Schema) -> list:
        return self.object_statements(op.object, op.object.create)

    def render_drop_object(self, op: o.DropObject, schema: m.Schema) -> list:
        return self.object_statements(op.object, op.object.drop)

    def render_replace_object(self, op: o.ReplaceObject, schema: m.Schema) -> list:
        return self.object_statements(op.new, op.new.replace)

    def object_statements(self, obj: DbObject, statements: Sequence[str]) -> list:
        """``statements`` of ``obj``, each one whole (a function body holds semicolons of its own)."""
        return [Statement(s, transactional=not needs_no_transaction(s)) for s in statements]


_ORDERING = re.compile(r"(\s+(ASC|DESC))?(\s+NULLS\s+(FIRST|LAST))?\s*$", re.I)


def _split_ordering(expression: str) -> tuple[str, str]:
    """``("lower(name)", " DESC NULLS LAST")``: an index key and its ordering suffix (upper case, maybe empty)."""
    order = _ORDERING.search(expression)
    if order is None:  # cannot happen: every part of the pattern is optional
        return expression, ""
    return expression[: order.start()], order.group(0).upper()


def _table_of(schema: m.Schema, name: str, schema_name: str | None) -> m.Table | None:
    key = qualified(name, schema_name)
    return schema.table(key) if schema.has_table(key) else None


@functools.cache
def _snake(name: str) -> str:
    """``CreateTable`` → ``create_table`` (once per operation type)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()

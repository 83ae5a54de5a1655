"""Operations: frozen values that change a schema.

Every schema operation knows how it changes a :class:`~dbshift.core.model.Schema`
(``apply``), how to undo itself (``reverse``: drops and alters carry the full
prior definition, so this is total) and what risk it carries for the data
(``risk``).  Rendering to SQL lives in :mod:`dbshift.dialects`; rendering to
Python source in :mod:`dbshift.codegen`.

Steps written by hand (:class:`RunSQL`, :class:`RunPython`, :class:`BulkInsert`)
are opaque to the schema: ``apply`` leaves it unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

from . import enum_columns
from .errors import DbshiftError
from .model import (
    Check, Column, Constraint, Enum, ForeignKey, Index, PartitionOf, Schema, Sequence, Statistics, Table, TableOptions,
    TableRef, Unique, qualified,
)
from .narrowing import Loss, loss
from .objects import DbObject
from .values import frozen


class IrreversibleOperation(DbshiftError):
    """Raised by ``reverse()`` for a hand-written step that has no reverse."""

    def __init__(self, op: "Op") -> None:
        super().__init__(f"{op.describe()} has no reverse; write the downgrade by hand")
        self.op = op


class Op:
    """Base class of all operations."""

    def apply(self, schema: Schema) -> Schema:
        return schema

    def reverse(self) -> "Op":
        raise IrreversibleOperation(self)

    @property
    def risk(self) -> str | None:
        """A one-line description of the data this operation can lose, or None."""
        return None

    def describe(self) -> str:
        return type(self).__name__


def _change_table(schema: Schema, key: str, change: Callable[[Table], Table]) -> Schema:
    return schema.replace_table(key, change(schema.table(key)))


# --- tables -----------------------------------------------------------------


@frozen
class CreateTable(Op):
    """Create ``table`` with its columns, keys, constraints and indexes."""

    table: Table

    def apply(self, schema: Schema) -> Schema:
        if schema.has_table(self.table.key):
            raise ValueError(f"table {self.table.key!r} already exists")
        return schema.replace_table(self.table.key, self.table)

    def reverse(self) -> Op:
        return DropTable(self.table)

    def describe(self) -> str:
        return f"create table {self.table.key}"


@frozen
class DropTable(Op):
    """Drop ``table`` and its rows (the table is kept whole, for the reverse)."""

    table: Table

    def apply(self, schema: Schema) -> Schema:
        schema.table(self.table.key)
        return schema.replace_table(self.table.key, None)

    def reverse(self) -> Op:
        return CreateTable(self.table)

    @property
    def risk(self) -> str:
        return f"drops table {self.table.key} and all its rows"

    def describe(self) -> str:
        return f"drop table {self.table.key}"


@frozen
class RenameTable(Op):
    """Rename table ``old`` to ``new``, keeping its rows."""

    old: str
    new: str
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        table = schema.table(qualified(self.old, self.schema))
        return schema.replace_table(table.key, None).replace_table(
            qualified(self.new, self.schema), replace(table, name=self.new)
        )

    def reverse(self) -> Op:
        return RenameTable(self.new, self.old, self.schema)

    def describe(self) -> str:
        return f"rename table {qualified(self.old, self.schema)} to {self.new}"


@frozen
class AlterTableComment(Op):
    """Change a table's comment from ``old`` to ``new`` (None: no comment)."""

    table: str
    old: str | None
    new: str | None
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        return _change_table(schema, qualified(self.table, self.schema), lambda t: replace(t, comment=self.new))

    def reverse(self) -> Op:
        return AlterTableComment(self.table, self.new, self.old, self.schema)

    def describe(self) -> str:
        return f"change comment of table {qualified(self.table, self.schema)}"


@frozen
class AlterTableLogging(Op):
    """Make a table UNLOGGED (``unlogged=True``) or logged again (PostgreSQL)."""

    table: str
    unlogged: bool
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        return _change_table(schema, qualified(self.table, self.schema), lambda t: replace(t, unlogged=self.unlogged))

    def reverse(self) -> Op:
        return AlterTableLogging(self.table, not self.unlogged, self.schema)

    def describe(self) -> str:
        return f"make table {qualified(self.table, self.schema)} {'unlogged' if self.unlogged else 'logged'}"


@frozen
class AlterTableCluster(Op):
    """Mark the index ``CLUSTER`` orders a table by (PostgreSQL); ``new=None`` removes the mark."""

    table: str
    old: str | None
    new: str | None
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        return _change_table(schema, qualified(self.table, self.schema), lambda t: replace(t, cluster_on=self.new))

    def reverse(self) -> Op:
        return AlterTableCluster(self.table, self.new, self.old, self.schema)

    def describe(self) -> str:
        return f"cluster table {qualified(self.table, self.schema)} on {self.new or 'no index'}"


@frozen
class AlterTableOptions(Op):
    """Change how SQLite stores a table (WITHOUT ROWID, STRICT, AUTOINCREMENT); SQLite rebuilds the table."""

    table: str
    old: TableOptions
    new: TableOptions
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        return _change_table(schema, qualified(self.table, self.schema), lambda t: replace(t, options=self.new))

    def reverse(self) -> Op:
        return AlterTableOptions(self.table, self.new, self.old, self.schema)

    def describe(self) -> str:
        return f"set options of table {qualified(self.table, self.schema)} to {', '.join(self.new.names) or 'none'}"


@frozen
class AlterTableInherit(Op):
    """Make a table inherit from ``parent`` (``inherit=True``: ``INHERIT``) or stop (``NO INHERIT``), PostgreSQL.

    Rows stay where they are.  To inherit, the table must already have every column of the parent; when
    it stops, the columns it had from the parent stay, as its own.
    """

    table: str
    parent: TableRef
    inherit: bool
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def change(table: Table) -> Table:
            if self.inherit:
                if self.parent in table.inherits:
                    raise ValueError(f"table {table.key!r} already inherits from {self.parent.key!r}")
                return replace(table, inherits=table.inherits + (self.parent,))
            if self.parent not in table.inherits:
                raise KeyError(f"table {table.key!r} does not inherit from {self.parent.key!r}")
            return replace(table, inherits=tuple(p for p in table.inherits if p != self.parent))

        return _change_table(schema, qualified(self.table, self.schema), change)

    def reverse(self) -> Op:
        return AlterTableInherit(self.table, self.parent, not self.inherit, self.schema)

    def describe(self) -> str:
        how = "inherit from" if self.inherit else "stop inheriting from"
        return f"make table {qualified(self.table, self.schema)} {how} {self.parent.key}"


@frozen
class AttachPartition(Op):
    """Make a table a partition of a partitioned table (PostgreSQL ``ATTACH PARTITION``); its rows stay and
    must all fall within the bound, which PostgreSQL checks."""

    table: str
    partition_of: PartitionOf
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def attach(table: Table) -> Table:
            if table.partition_of is not None:
                raise ValueError(f"table {table.key!r} is a partition of {table.partition_of.parent.key!r} already")
            return replace(table, partition_of=self.partition_of)

        return _change_table(schema, qualified(self.table, self.schema), attach)

    def reverse(self) -> Op:
        return DetachPartition(self.table, self.partition_of, self.schema)

    def describe(self) -> str:
        return (f"attach table {qualified(self.table, self.schema)} as a partition of "
                f"{self.partition_of.parent.key} ({self.partition_of.bound})")


@frozen
class DetachPartition(Op):
    """Make a partition an ordinary table again (PostgreSQL ``DETACH PARTITION``); its rows stay with it."""

    table: str
    partition_of: PartitionOf
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def detach(table: Table) -> Table:
            if table.partition_of != self.partition_of:
                raise KeyError(f"table {table.key!r} is not the partition {self.partition_of!r}")
            return replace(table, partition_of=None)

        return _change_table(schema, qualified(self.table, self.schema), detach)

    def reverse(self) -> Op:
        return AttachPartition(self.table, self.partition_of, self.schema)

    def describe(self) -> str:
        return f"detach partition {qualified(self.table, self.schema)} from {self.partition_of.parent.key}"


@frozen
class CreateStatistics(Op):
    """Create extended statistics on a table (PostgreSQL ``CREATE STATISTICS``)."""

    table: str
    statistics: Statistics
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def add(table: Table) -> Table:
            if any(s.name == self.statistics.name for s in table.statistics):
                raise ValueError(f"table {table.key!r} has statistics {self.statistics.name!r} already")
            return replace(table, statistics=tuple(sorted(table.statistics + (self.statistics,), key=lambda s: s.name)))

        return _change_table(schema, qualified(self.table, self.schema), add)

    def reverse(self) -> Op:
        return DropStatistics(self.table, self.statistics, self.schema)

    def describe(self) -> str:
        return f"create statistics {self.statistics.name} on {qualified(self.table, self.schema)}"


@frozen
class DropStatistics(Op):
    """Drop extended statistics from a table (PostgreSQL ``DROP STATISTICS``); no row is touched."""

    table: str
    statistics: Statistics
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def drop(table: Table) -> Table:
            if self.statistics not in table.statistics:
                raise KeyError(f"table {table.key!r} has no statistics {self.statistics!r}")
            return replace(table, statistics=tuple(s for s in table.statistics if s != self.statistics))

        return _change_table(schema, qualified(self.table, self.schema), drop)

    def reverse(self) -> Op:
        return CreateStatistics(self.table, self.statistics, self.schema)

    def describe(self) -> str:
        return f"drop statistics {self.statistics.name} on {qualified(self.table, self.schema)}"


@frozen
class AlterColumnStatistics(Op):
    """Set how many values ANALYZE samples for a column (PostgreSQL ``ALTER COLUMN … SET STATISTICS``);
    None is the server's default."""

    table: str
    column: str
    old: int | None
    new: int | None
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def change(table: Table) -> Table:
            found = table.column(self.column)
            columns = tuple(replace(c, statistics_target=self.new) if c is found else c for c in table.columns)
            return replace(table, columns=columns)

        return _change_table(schema, qualified(self.table, self.schema), change)

    def reverse(self) -> Op:
        return AlterColumnStatistics(self.table, self.column, self.new, self.old, self.schema)

    def describe(self) -> str:
        target = "the default" if self.new is None else str(self.new)
        return f"set statistics of column {qualified(self.table, self.schema)}.{self.column} to {target}"


# --- columns ----------------------------------------------------------------


@frozen
class AddColumn(Op):
    """Add ``column`` to ``table``."""

    table: str
    column: Column
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def add(table: Table) -> Table:
            if table.has_column(self.column.name):
                raise ValueError(f"column {self.column.name!r} already exists in {table.key!r}")
            return replace(table, columns=table.columns + (self.column,))

        return _change_table(schema, qualified(self.table, self.schema), add)

    def reverse(self) -> Op:
        return DropColumn(self.table, self.column, self.schema)

    def describe(self) -> str:
        return f"add column {qualified(self.table, self.schema)}.{self.column.name}"


@frozen
class DropColumn(Op):
    """Drop ``column`` and its values from ``table`` (the column is kept whole, for the reverse)."""

    table: str
    column: Column
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def drop(table: Table) -> Table:
            table.column(self.column.name)
            return replace(table, columns=tuple(c for c in table.columns if c.name != self.column.name))

        return _change_table(schema, qualified(self.table, self.schema), drop)

    def reverse(self) -> Op:
        return AddColumn(self.table, self.column, self.schema)

    @property
    def risk(self) -> str:
        return f"drops column {qualified(self.table, self.schema)}.{self.column.name} and its data"

    def describe(self) -> str:
        return f"drop column {qualified(self.table, self.schema)}.{self.column.name}"


@frozen
class AlterColumn(Op):
    """Change a column's type, nullability, default, comment or generation.

    A type change that could cut, round or overflow values (see
    :mod:`dbshift.core.narrowing`) first checks the rows and refuses when any
    would change, unless ``accept_loss`` says the migration means it.
    """

    table: str
    old: Column
    new: Column
    schema: str | None = None
    accept_loss: bool = False

    def __post_init__(self) -> None:
        if self.old.name != self.new.name:
            raise ValueError("AlterColumn cannot rename; use RenameColumn")

    def apply(self, schema: Schema) -> Schema:
        def alter(table: Table) -> Table:
            table.column(self.old.name)
            columns = tuple(self.new if c.name == self.old.name else c for c in table.columns)
            return replace(table, columns=columns)

        return _change_table(schema, qualified(self.table, self.schema), alter)

    def reverse(self) -> Op:
        return AlterColumn(self.table, self.new, self.old, self.schema, self.accept_loss)

    @property
    def loss(self) -> Loss | None:
        """What the type change can lose, when it can (checked against the rows unless ``accept_loss``)."""
        return loss(self.old.type, self.new.type) if self.old.type != self.new.type else None

    @property
    def changes(self) -> tuple[str, ...]:
        """Names of the attributes that differ between ``old`` and ``new``."""
        return tuple(
            f
            for f in (
                "type", "nullable", "default", "autoincrement", "identity", "computed", "comment", "collation",
                "virtual",
            )
            if getattr(self.old, f) != getattr(self.new, f)
        )

    @property
    def risk(self) -> str | None:
        where = f"{qualified(self.table, self.schema)}.{self.old.name}"
        narrowing = self.loss
        if narrowing is not None and self.accept_loss:
            return (f"narrows {where} from {self.old.type} to {self.new.type}: values that are not {narrowing.rule} "
                    "are cut or rounded, as this migration accepts")
        if narrowing is not None:
            return (f"narrows {where} from {self.old.type} to {self.new.type}: it refuses to run while a row holds "
                    f"a value that is not {narrowing.rule}")
        if self.old.type != self.new.type:
            return f"changes the type of {where} from {self.old.type} to {self.new.type}; values may not convert"
        if self.old.nullable and not self.new.nullable:
            return f"makes {where} NOT NULL; fails if any row holds NULL"
        return None

    def describe(self) -> str:
        """``alter column t.c (type, set NOT NULL)``: a nullability change is named as what it does."""
        where = f"{qualified(self.table, self.schema)}.{self.old.name}"
        nullability = "allow NULL" if self.new.nullable else "set NOT NULL"
        changes = [nullability if c == "nullable" else c for c in self.changes]
        return f"alter column {where} ({', '.join(changes) or 'no change'})"


@frozen
class RenameColumn(Op):
    """Rename column ``old`` of ``table`` to ``new``, keeping its values."""

    table: str
    old: str
    new: str
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        def rename(table: Table) -> Table:
            if table.has_column(self.new):
                raise ValueError(f"column {self.new!r} already exists in {table.key!r}")
            columns = tuple(replace(c, name=self.new) if c.name == self.old else c for c in table.columns)
            if columns == table.columns:
                raise KeyError(f"table {table.key!r} has no column {self.old!r}")
            return _rename_references(replace(table, columns=columns), self.old, self.new)

        return _change_table(schema, qualified(self.table, self.schema), rename)

    def reverse(self) -> Op:
        return RenameColumn(self.table, self.new, self.old, self.schema)

    def describe(self) -> str:
        return f"rename column {qualified(self.table, self.schema)}.{self.old} to {self.new}"


def _rename_references(table: Table, old: str, new: str) -> Table:
    """Follow a column rename in the table's own constraints and plain-column indexes."""

    def names(columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if c == old else c for c in columns)

    pk = table.primary_key
    return replace(
        table,
        primary_key=replace(pk, columns=names(pk.columns)) if pk else None,
        foreign_keys=tuple(replace(fk, columns=names(fk.columns)) for fk in table.foreign_keys),
        uniques=tuple(replace(u, columns=names(u.columns)) for u in table.uniques),
        indexes=tuple(replace(i, expressions=names(i.expressions)) for i in table.indexes),
    )


# --- indexes and constraints -------------------------------------------------


@frozen
class CreateIndex(Op):
    """Create an index; ``concurrently``: without blocking writes to the table (PostgreSQL ``CREATE INDEX
    CONCURRENTLY``, run outside the migration's transaction; other databases build it as usual)."""

    table: str
    index: Index
    schema: str | None = None
    concurrently: bool = False

    def apply(self, schema: Schema) -> Schema:
        return _change_table(
            schema, qualified(self.table, self.schema), lambda t: replace(t, indexes=t.indexes + (self.index,))
        )

    def reverse(self) -> Op:
        return DropIndex(self.table, self.index, self.schema, self.concurrently)

    def describe(self) -> str:
        how = " concurrently" if self.concurrently else ""
        return f"create index {self.index.name}{how} on {qualified(self.table, self.schema)}"


@frozen
class DropIndex(Op):
    """Drop an index; ``concurrently`` as for :class:`CreateIndex`."""

    table: str
    index: Index
    schema: str | None = None
    concurrently: bool = False

    def apply(self, schema: Schema) -> Schema:
        def drop(table: Table) -> Table:
            if self.index not in table.indexes:
                raise KeyError(f"table {table.key!r} has no index {self.index.name!r}")
            return replace(table, indexes=tuple(i for i in table.indexes if i != self.index))

        return _change_table(schema, qualified(self.table, self.schema), drop)

    def reverse(self) -> Op:
        return CreateIndex(self.table, self.index, self.schema, self.concurrently)

    def describe(self) -> str:
        how = " concurrently" if self.concurrently else ""
        return f"drop index {self.index.name}{how} on {qualified(self.table, self.schema)}"


@frozen
class AddConstraint(Op):
    """Add a constraint.

    ``valid=False`` (a foreign key or CHECK, PostgreSQL): ``NOT VALID``, so the rows already there are not
    checked now, under the lock, but by a later :class:`ValidateConstraint`; other databases add it as usual.
    ``using_index`` (a unique key, PostgreSQL): make the constraint of the unique index of that name, built
    before (``CreateIndex(..., concurrently=True)``), which then belongs to the constraint and leaves the
    table's indexes; :func:`reverse_all` undoes the pair with one ``DropConstraint``.
    """

    table: str
    constraint: Constraint
    schema: str | None = None
    valid: bool = True
    using_index: str | None = None

    def __post_init__(self) -> None:
        if self.using_index is not None and not isinstance(self.constraint, Unique):
            raise ValueError(f"AddConstraint(using_index={self.using_index!r}) needs a Unique constraint")
        if not self.valid and not isinstance(self.constraint, (ForeignKey, Check)):
            raise ValueError("AddConstraint(valid=False) is for a foreign key or CHECK constraint")

    def apply(self, schema: Schema) -> Schema:
        def add(table: Table) -> Table:
            if self.using_index is not None:
                if not any(i.name == self.using_index for i in table.indexes):
                    raise KeyError(f"table {table.key!r} has no index {self.using_index!r}")
                table = replace(table, indexes=tuple(i for i in table.indexes if i.name != self.using_index))
            return table.with_constraint(self.constraint)

        return _change_table(schema, qualified(self.table, self.schema), add)

    def reverse(self) -> Op:
        return DropConstraint(self.table, self.constraint, self.schema)

    def describe(self) -> str:
        kind = type(self.constraint).__name__.lower()
        how = " (not valid)" if not self.valid else f" using index {self.using_index}" if self.using_index else ""
        return f"add {kind} {self.constraint.name or ''} on {qualified(self.table, self.schema)}{how}".replace("  ", " ")


@frozen
class ValidateConstraint(Op):
    """Check the rows already there against a constraint added ``NOT VALID`` (PostgreSQL ``VALIDATE
    CONSTRAINT``: a scan that lets reads and writes go on).  Other databases: nothing.  Its reverse does
    nothing: a constraint is not made unchecked again."""

    table: str
    name: str
    schema: str | None = None

    def reverse(self) -> Op:
        return RunSQL("", "")

    def describe(self) -> str:
        return f"validate constraint {self.name} on {qualified(self.table, self.schema)}"


@frozen
class DropConstraint(Op):
    """Drop a key or constraint of ``table`` (kept whole, for the reverse)."""

    table: str
    constraint: Constraint
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        return _change_table(
            schema, qualified(self.table, self.schema), lambda t: t.without_constraint(self.constraint)
        )

    def reverse(self) -> Op:
        return AddConstraint(self.table, self.constraint, self.schema)

    def describe(self) -> str:
        kind = type(self.constraint).__name__.lower()
        return f"drop {kind} {self.constraint.name or ''} on {qualified(self.table, self.schema)}".replace("  ", " ")


# --- enum types and sequences -----------------------------------------------


@frozen
class CreateEnum(Op):
    """Create a named enum type (PostgreSQL)."""

    enum: Enum

    def apply(self, schema: Schema) -> Schema:
        if any(e.key == self.enum.key for e in schema.enums):
            raise ValueError(f"enum type {self.enum.key!r} already exists")
        return schema.with_enums(schema.enums + (self.enum,))

    def reverse(self) -> Op:
        return DropEnum(self.enum)

    def describe(self) -> str:
        return f"create enum type {self.enum.key}"


@frozen
class DropEnum(Op):
    """Drop a named enum type (PostgreSQL)."""

    enum: Enum

    def apply(self, schema: Schema) -> Schema:
        schema.enum(self.enum.key)
        return schema.with_enums(e for e in schema.enums if e.key != self.enum.key)

    def reverse(self) -> Op:
        return CreateEnum(self.enum)

    def describe(self) -> str:
        return f"drop enum type {self.enum.key}"


@frozen
class AlterEnum(Op):
    """Change the values of an enum type (add, rename or remove values), and so of the columns of that type.

    ``columns`` names those columns as ``(table key, column)`` when the operation
    runs: MySQL and MariaDB hold the values in each column, SQLite holds them as
    text, so there the columns named are changed (PostgreSQL also finds them by
    the type's name).  None when not stated (a file written before they were):
    MySQL then changes each inline enum with exactly the old values; SQLite
    refuses.  See :mod:`dbshift.core.enum_columns`.
    """

    old: Enum
    new: Enum
    renamed: tuple[tuple[str, str], ...] = ()
    columns: tuple[tuple[str, str], ...] | None = None

    def apply(self, schema: Schema) -> Schema:
        schema.enum(self.old.key)
        schema = enum_columns.changed(schema, self.old, self.new, self.renamed, self.columns)
        return schema.with_enums(self.new if e.key == self.old.key else e for e in schema.enums)

    def reverse(self) -> Op:
        return AlterEnum(self.new, self.old, tuple((b, a) for a, b in self.renamed), self.columns)

    @property
    def removed(self) -> tuple[str, ...]:
        gone = set(self.old.values) - set(self.new.values) - {a for a, _ in self.renamed}
        return tuple(v for v in self.old.values if v in gone)

    @property
    def in_place(self) -> bool:
        """Values are only added and renamed, the old ones keeping their order: PostgreSQL changes the type
        itself (``ALTER TYPE``) rather than re-creating it and converting every column."""
        renamed = dict(self.renamed)
        after_rename = [renamed.get(v, v) for v in self.old.values]
        kept = [v for v in after_rename if v in self.new.values]
        return not self.removed and kept == [v for v in self.new.values if v in after_rename]

    @property
    def risk(self) -> str | None:
        if self.removed:
            return f"removes values {', '.join(self.removed)} from enum type {self.old.key}"
        return None

    def describe(self) -> str:
        return f"alter enum type {self.old.key}"


@frozen
class CreateSequence(Op):
    """Create a sequence."""

    sequence: Sequence

    def apply(self, schema: Schema) -> Schema:
        return schema.with_sequences(schema.sequences + (self.sequence,))

    def reverse(self) -> Op:
        return DropSequence(self.sequence)

    def describe(self) -> str:
        return f"create sequence {self.sequence.key}"


@frozen
class DropSequence(Op):
    """Drop a sequence."""

    sequence: Sequence

    def apply(self, schema: Schema) -> Schema:
        return schema.with_sequences(s for s in schema.sequences if s.key != self.sequence.key)

    def reverse(self) -> Op:
        return CreateSequence(self.sequence)

    def describe(self) -> str:
        return f"drop sequence {self.sequence.key}"


@frozen
class AlterSequence(Op):
    """Change a sequence's options (data type, increment, bounds, start, cache, cycle)."""

    old: Sequence
    new: Sequence

    def __post_init__(self) -> None:
        if self.old.key != self.new.key:
            raise ValueError("AlterSequence cannot rename or move a sequence")

    def apply(self, schema: Schema) -> Schema:
        schema.sequence(self.old.key)
        return schema.with_sequences(self.new if s.key == self.old.key else s for s in schema.sequences)

    def reverse(self) -> Op:
        return AlterSequence(self.new, self.old)

    @property
    def changes(self) -> tuple[str, ...]:
        """Names of the options whose actual values differ, in a fixed order."""
        old, new = self.old.resolved(), self.new.resolved()
        return tuple(k for k in new if old[k] != new[k])

    def describe(self) -> str:
        return f"alter sequence {self.old.key} ({', '.join(self.changes) or 'no change'})"


@frozen
class AttachSequence(Op):
    """Standalone ``sequence`` becomes the one behind serial column ``table.column``.

    The column then owns it (it is dropped with the column) and it leaves the
    schema's standalone sequences.  The sequence is kept, with its current value.
    """

    table: str
    column: str
    sequence: Sequence
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        schema.sequence(self.sequence.key)
        return schema.with_sequences(s for s in schema.sequences if s.key != self.sequence.key)

    def reverse(self) -> Op:
        return DetachSequence(self.table, self.column, self.sequence, self.schema)

    def describe(self) -> str:
        return f"attach sequence {self.sequence.key} to {qualified(self.table, self.schema)}.{self.column}"


@frozen
class DetachSequence(Op):
    """The sequence behind serial column ``table.column`` becomes standalone ``sequence``."""

    table: str
    column: str
    sequence: Sequence
    schema: str | None = None

    def apply(self, schema: Schema) -> Schema:
        if any(s.key == self.sequence.key for s in schema.sequences):
            raise ValueError(f"sequence {self.sequence.key!r} already exists")
        return schema.with_sequences(schema.sequences + (self.sequence,))

    def reverse(self) -> Op:
        return AttachSequence(self.table, self.column, self.sequence, self.schema)

    def describe(self) -> str:
        return f"detach sequence {self.sequence.key} from {qualified(self.table, self.schema)}.{self.column}"


# --- schemas (namespaces) ---------------------------------------------------


@frozen
class CreateSchema(Op):
    """Create a database schema (a namespace such as ``audit``)."""

    name: str

    def apply(self, schema: Schema) -> Schema:
        if self.name in schema.schemas:
            raise ValueError(f"schema {self.name!r} already exists")
        return schema.with_schemas(schema.schemas + (self.name,))

    def reverse(self) -> Op:
        return DropSchema(self.name)

    def describe(self) -> str:
        return f"create schema {self.name}"


@frozen
class DropSchema(Op):
    """Drop an empty database schema; what it held is dropped by the operations before."""

    name: str

    def apply(self, schema: Schema) -> Schema:
        if self.name not in schema.schemas:
            raise KeyError(f"no schema {self.name!r}")
        return schema.with_schemas(s for s in schema.schemas if s != self.name)

    def reverse(self) -> Op:
        return CreateSchema(self.name)

    def describe(self) -> str:
        return f"drop schema {self.name}"


# --- other objects: views, functions, triggers… ------------------------------


@frozen
class CreateObject(Op):
    """Create a view, function, trigger… (:class:`~dbshift.core.objects.DbObject`) by its ``create`` statements."""

    object: DbObject

    def apply(self, schema: Schema) -> Schema:
        if any(x.id == self.object.id for x in schema.objects):
            raise ValueError(f"{self.object.label} already exists")
        return schema.with_objects(schema.objects + (self.object,))

    def reverse(self) -> Op:
        return DropObject(self.object)

    def describe(self) -> str:
        return f"create {self.object.label}"


@frozen
class DropObject(Op):
    """Drop a view, function, trigger… by its ``drop`` statements; it carries its definition for the reverse."""

    object: DbObject

    def apply(self, schema: Schema) -> Schema:
        schema.object(self.object.id)
        return schema.with_objects(x for x in schema.objects if x.id != self.object.id)

    def reverse(self) -> Op:
        return CreateObject(self.object)

    @property
    def risk(self) -> str | None:
        if self.object.kind == "materialized view":
            return f"drops {self.object.label} and the rows it holds (refreshing it computes them again)"
        return None

    def describe(self) -> str:
        return f"drop {self.object.label}"


@frozen
class ReplaceObject(Op):
    """Change a view, function… in place: ``new``'s ``replace`` statements (``CREATE OR REPLACE``)."""

    old: DbObject
    new: DbObject

    def __post_init__(self) -> None:
        if self.old.id != self.new.id:
            raise ValueError(f"cannot replace {self.old.label} by {self.new.label}: not the same object")
        if not self.new.replace:
            raise ValueError(f"{self.new.label} cannot be changed in place: drop it and create it")

    def apply(self, schema: Schema) -> Schema:
        schema.object(self.old.id)
        return schema.with_objects([x for x in schema.objects if x.id != self.old.id] + [self.new])

    def reverse(self) -> Op:
        if not self.old.replace:
            raise IrreversibleOperation(self)
        return ReplaceObject(self.new, self.old)

    def describe(self) -> str:
        return f"replace {self.new.label}"


@frozen
class Backfill(Op):
    """Set ``column`` to ``value`` (SQL expression text) in rows where it is NULL.

    Written by autogenerate between adding a column as nullable and making it
    NOT NULL.  Its reverse does nothing: the rows keep their values.
    ``batch_size``: fill at most that many rows a statement, each batch committed
    by itself (outside the migration's transaction) until no NULL is left, so rows
    are locked only briefly; a run resumed after a failure goes on where it was.
    """

    table: str
    column: str
    value: str
    schema: str | None = None
    batch_size: int | None = None

    def __post_init__(self) -> None:
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < 1):
            raise ValueError(f"Backfill batch_size must be a positive whole number, not {self.batch_size!r}")

    def reverse(self) -> Op:
        return RunSQL("", "")

    def describe(self) -> str:
        batches = f" in batches of {self.batch_size}" if self.batch_size else ""
        return f"fill NULLs in {qualified(self.table, self.schema)}.{self.column} with {self.value}{batches}"


# --- hand-written steps -----------------------------------------------------


@frozen
class RunSQL(Op):
    """Run SQL as written.  ``sql`` may hold several statements separated by ``;``."""

    sql: str
    reverse_sql: str | None = None

    def reverse(self) -> Op:
        if self.reverse_sql is None:
            raise IrreversibleOperation(self)
        return RunSQL(self.reverse_sql, self.sql)

    def describe(self) -> str:
        first = self.sql.strip().splitlines()[0] if self.sql.strip() else ""
        return f"run SQL: {first[:60]}"


@frozen
class RunPython(Op):
    """Call ``func(connection)`` with the migration's SQLAlchemy connection."""

    func: Callable[[Any], None]
    reverse_func: Callable[[Any], None] | None = None

    def reverse(self) -> Op:
        if self.reverse_func is None:
            raise IrreversibleOperation(self)
        return RunPython(self.reverse_func, self.func)

    def describe(self) -> str:
        return f"run Python: {getattr(self.func, '__name__', repr(self.func))}"


@frozen
class BulkInsert(Op):
    """Insert seed rows; its reverse (:class:`BulkDelete` of the same rows) removes one row per row inserted."""

    table: str
    rows: tuple[Mapping[str, Any], ...]
    schema: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(dict(r) for r in self.rows))

    def reverse(self) -> Op:
        return BulkDelete(self.table, self.rows, self.schema)

    def describe(self) -> str:
        return f"insert {len(self.rows)} row(s) into {qualified(self.table, self.schema)}"


@frozen
class BulkDelete(Op):
    """Delete one row per given mapping of column values: a row holding those values (None matches NULL).

    Never more rows than mappings, so undoing a :class:`BulkInsert` removes what
    it inserted and leaves other rows that happen to hold the same values.
    """

    table: str
    rows: tuple[Mapping[str, Any], ...]
    schema: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(dict(r) for r in self.rows))

    def reverse(self) -> Op:
        return BulkInsert(self.table, self.rows, self.schema)

    @property
    def risk(self) -> str:
        return f"deletes {len(self.rows)} row(s) from {qualified(self.table, self.schema)}"

    def describe(self) -> str:
        return f"delete {len(self.rows)} row(s) from {qualified(self.table, self.schema)}"


def reverse_all(ops: list[Op] | tuple[Op, ...]) -> list[Op]:
    """The operations that undo ``ops``: each reversed, in reverse order.

    A unique index made a constraint (``AddConstraint(..., using_index=name)``) goes with that constraint:
    the ``CreateIndex`` of ``name`` before it has no reverse of its own.
    """
    absorbed = {
        (qualified(op.table, op.schema), op.using_index)
        for op in ops if isinstance(op, AddConstraint) and op.using_index is not None
    }
    return [
        op.reverse() for op in reversed(ops)
        if not (isinstance(op, CreateIndex) and (qualified(op.table, op.schema), op.index.name) in absorbed)
    ]


def apply_all(schema: Schema, ops: list[Op] | tuple[Op, ...]) -> Schema:
    for op in ops:
        schema = op.apply(schema)
    return schema


SCHEMA_OPS = (
    CreateTable, DropTable, RenameTable, AlterTableComment, AlterTableLogging, AlterTableCluster, AlterTableOptions,
    AlterTableInherit, AttachPartition, DetachPartition, CreateStatistics, DropStatistics, AlterColumnStatistics,
    AddColumn, DropColumn, AlterColumn,
    RenameColumn, CreateIndex, DropIndex, AddConstraint, ValidateConstraint, DropConstraint, CreateEnum, DropEnum,
    AlterEnum, CreateSequence, DropSequence, AlterSequence, AttachSequence, DetachSequence, CreateSchema, DropSchema,
    CreateObject, DropObject, ReplaceObject, Backfill,
)

__all__ = [c.__name__ for c in SCHEMA_OPS] + [
    "Op", "RunSQL", "RunPython", "BulkInsert", "BulkDelete", "IrreversibleOperation", "reverse_all", "apply_all",
    "ForeignKey",
]

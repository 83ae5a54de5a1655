"""SQLite: what ALTER TABLE cannot do is planned as a table rebuild from the schema model.

A rebuild follows the procedure the SQLite documentation gives for schema
changes ALTER TABLE cannot make: create the table as it will be under a
temporary name, copy the rows, drop the old table, rename the new one into
place, and re-create what went with the old table.  It runs inside the
migration's transaction, so a failure leaves the old table untouched, and it
keeps everything the table had:

* every row, with its rowid, also in a table without an INTEGER PRIMARY KEY
  (the rowid is copied, so rows keep the rowids other data may point at);
* its indexes (from the model) and its triggers (read from ``sqlite_master``
  before the drop and re-created after the rename by a :class:`~.base.Replay`,
  so that those the schema does not know of, made by hand since it was read,
  come back too); a trigger whose body uses a column the rebuild dropped
  fails the migration, naming the trigger.  A script cannot replay: it holds
  the CREATE TRIGGER of each trigger the schema knows the table has.  A plan
  that changes a trigger of the table drops it before the rebuild and creates
  it after (:mod:`dbshift.core.order`), so none is lost or made twice;
* the views over it: the rename runs with ``legacy_alter_table`` on, which
  leaves views and other tables' triggers as they were written instead of
  refusing because the table is briefly absent; each view that names the
  table is then queried (in a script, each the schema knows uses it), so one
  that no longer works (it read a dropped column) fails the migration, naming
  the view.  A view the plan creates is queried too: SQLite takes any view,
  and would fail only when it is read;
* its AUTOINCREMENT counter in ``sqlite_sequence``, so no id is handed out twice;
* WITHOUT ROWID and STRICT (:class:`~dbshift.core.model.TableOptions`).

Foreign-key enforcement must be off, as SQLite's procedure says: with it on,
dropping the old table deletes (CASCADE) or nulls (SET NULL) the rows that
reference it.  The runner switches it off for the run (see
:mod:`dbshift.runner.sinks`), and each rebuild checks, with
:class:`~.base.Guard` statements inside the transaction, that

* enforcement is off, when other tables reference the table;
* the new table holds as many rows as the old one;
* no row of a table that references it, directly or through others, went
  (their row counts are taken before and compared after);
* no row breaks a foreign key it did not break before (``PRAGMA
  foreign_key_check`` on the table and on the tables referencing it, before
  and after: rows that already referenced nothing are not the migration's
  doing and do not fail it, while a new foreign key that existing rows break
  does).

SQLite has no comments, no unlogged or clustered tables: operations that change
only those render as nothing.  A named enum type is nothing of its own either: a
column of an enum holds its values as text, its length in the column's type
(``sa.Enum`` is spelled per database when the migration runs), so creating or
dropping one renders as nothing — a migration generated on PostgreSQL, MySQL or
MariaDB applies here.  Changing its values changes the columns the operation
names (:meth:`SqliteRenderer.render_alter_enum`).  It has no schemas or
sequences: creating or changing one is refused (the migration would otherwise be
recorded without its effect), while dropping one renders as nothing, as there is
none to drop.  Autogenerate never writes these for SQLite, apart from the enum
types PostgreSQL needs: the models' comments, sequences and schemas are left out
of its schema.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping

from ..core import model as m
from ..core import ops as o
from ..core.enum_columns import changed_table
from ..core.enum_columns import users as enum_users
from ..core.model import qualified
from ..core.types import quote_literal
from ..core.narrowing import Loss
from .base import VALIDATED_ALREADY, ConstraintNotThere, Renderer, Replay, Statement, UnsupportedConstraint, UnsupportedOperation
from .enum_values import refuse_removed_values, rename_rows, renamed_value

_CONSTANT = r"""'(?:[^']|'')*'|-?\d+(?:\.\d+)?|null|true|false"""
# a default SQLite takes without parentheses
_PLAIN_DEFAULT = re.compile(rf"^\s*(?:{_CONSTANT}|current_(?:timestamp|date|time)|\(.*\))\s*$", re.I | re.S)
# a default ALTER TABLE ADD COLUMN accepts
_CONSTANT_DEFAULT = re.compile(rf"^\s*\(?\s*(?:{_CONSTANT})\s*\)?\s*$", re.I | re.S)


_NO_SCHEMAS = "SQLite has no schemas (each database is one file; attach another with RunSQL)"
_NO_SEQUENCES = "SQLite has no sequences (an INTEGER PRIMARY KEY numbers rows by itself)"
_NO_ENUMS = "SQLite has no enum types (a column's values are limited by a CHECK constraint on its table)"
_UNNAMED_COLUMNS = (
    "SQLite holds an enum's values as text in each column, and the migration does not name the columns of "
    "enum type {key}: add them, as generated migrations do (AlterEnum(..., columns=((\"table\", \"column\"), ...)))"
)


_NO_INHERITANCE = "SQLite has no table inheritance (PostgreSQL's INHERITS)"
_NO_PARTITIONS = "dbshift partitions tables on PostgreSQL only (PARTITION OF)"
_NO_STATISTICS = "SQLite has no extended statistics or statistics targets (PostgreSQL's CREATE STATISTICS, SET STATISTICS)"


class SqliteRenderer(Renderer):
    name = "sqlite"
    supports_comments = False
    renders_nothing = {
        o.AlterTableComment: "SQLite has no comments",
        o.AlterTableLogging: "SQLite has no unlogged tables: every table is journaled",
        o.AlterTableCluster: "SQLite has no CLUSTER mark: a table is stored in rowid or primary-key order",
        o.CreateEnum: _NO_ENUMS + ": the columns that use it hold its values as text",
        o.DropEnum: "SQLite has no enum types, so there is none to drop",
        o.DropSequence: "SQLite has no sequences, so there is none to drop",
        o.DropSchema: "SQLite has no schemas, so there is none to drop",
        o.DropStatistics: "SQLite has no extended statistics, so there are none to drop",
        o.ValidateConstraint: VALIDATED_ALREADY,
    }
    unsupported = {
        o.CreateSchema: _NO_SCHEMAS,
        o.CreateSequence: _NO_SEQUENCES,
        o.AlterSequence: _NO_SEQUENCES,
        o.AttachSequence: _NO_SEQUENCES,
        o.DetachSequence: _NO_SEQUENCES,
        o.AlterTableInherit: _NO_INHERITANCE,
        o.AttachPartition: _NO_PARTITIONS,
        o.DetachPartition: _NO_PARTITIONS,
        o.CreateStatistics: _NO_STATISTICS,
        o.AlterColumnStatistics: _NO_STATISTICS,
    }

    def loss_condition(self, column: str, loss: Loss, new_type: str) -> str | None:
        return None  # a SQLite column's type never changes the value it holds

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

    def render_create_object(self, op: o.CreateObject, schema: m.Schema) -> list:
        """A view is queried once created: SQLite takes any view and fails only when it is read, so one
        naming a column that is gone fails the migration, named, rather than every later read."""
        statements = super().render_create_object(op, schema)
        if op.object.kind == "view":
            query = f"SELECT * FROM main.{self.q(op.object.name)} LIMIT 0"
            statements.append(Replay(
                f"SELECT {quote_literal(query)}, {quote_literal(f'view {op.object.name} does not work')}",
                what=f"check that view {op.object.name} works", offline=(query,),
            ))
        return statements

    # operations that need a rebuild ----------------------------------------------

    def render_alter_column(self, op: o.AlterColumn, schema: m.Schema) -> list:
        if op.changes == ("comment",) or op.changes == ():
            return []
        return self.rebuild(schema, op)

    def render_add_constraint(self, op: o.AddConstraint, schema: m.Schema) -> list:
        return self.rebuild(schema, op)

    def render_drop_constraint(self, op: o.DropConstraint, schema: m.Schema) -> list:
        found = self.existing(op, schema)  # as the table holds it: a CHECK may be spelled as another database wrote it
        if found is None and schema.has_table(qualified(op.table, op.schema)):
            raise ConstraintNotThere(qualified(op.table, op.schema), op.constraint)
        return self.rebuild(schema, replace(op, constraint=found) if found is not None else op)

    def render_alter_table_options(self, op: o.AlterTableOptions, schema: m.Schema) -> list:
        return self.rebuild(schema, op) if op.old != op.new else []

    def render_alter_enum(self, op: o.AlterEnum, schema: m.Schema) -> list:
        """The change of the columns ``op`` names (a column of an enum is text here, so only the migration can
        say which they are: one that does not say is refused).

        A check per column first refuses, with a count, to remove a value rows
        still hold.  A table whose columns or CHECKs change (text as long as the
        longest value, a CHECK listing the values) is rebuilt, renamed values
        given their new value as the rows are copied; otherwise the rows holding
        a renamed value are updated, and nothing else changes.
        """
        if op.columns is None:
            raise UnsupportedOperation(op, self.name, _UNNAMED_COLUMNS.format(key=op.old.key))
        found = enum_users(schema, op.old, op.columns)
        result: list = [g for t, c in found for g in refuse_removed_values(self, op, t, c)]
        names: dict[str, list[m.Column]] = {}
        for table, column in found:
            names.setdefault(table.key, []).append(column)
        for key, columns in names.items():
            before = schema.table(key)
            after = changed_table(before, (c.name for c in columns), op.old, op.new, op.renamed)
            if after != before:
                values = {c.name: v for c in columns if (v := renamed_value(self, op, c)) is not None}
                result += self.rebuild_table(schema, before, after, values)
            else:
                result += [sql for c in columns for sql in rename_rows(self, op, before, c)]
        return result

    # creating tables -----------------------------------------------------------------

    def create_table_sql(self, table: m.Table, name: str | None = None) -> str:
        """CREATE TABLE with SQLite's options: an AUTOINCREMENT key is declared on its column, as SQLite
        requires; WITHOUT ROWID and STRICT follow the column list."""
        key = self._autoincrement_column(table)
        lines = []
        for column in table.columns:
            sql = self.column_sql(column, table)
            if column.name == key:
                assert table.primary_key is not None  # _autoincrement_column found its one column
                named = f"CONSTRAINT {self.q(table.primary_key.name)} " if table.primary_key.name else ""
                sql += f" {named}PRIMARY KEY AUTOINCREMENT"
            lines.append(sql)
        lines += [self.constraint_sql(c) for c in table.constraints if not (key and c is table.primary_key)]
        target = self.table_name(name or table.name, table.schema)
        options = [o for o in table.options.names if o != "AUTOINCREMENT"]
        return f"CREATE TABLE {target} (\n    " + ",\n    ".join(lines) + "\n)" + (
            " " + ", ".join(options) if options else ""
        )

    def _autoincrement_column(self, table: m.Table) -> str | None:
        """The column declared ``INTEGER PRIMARY KEY AUTOINCREMENT``, when the table asks for AUTOINCREMENT."""
        if not table.options.autoincrement:
            return None
        key = table.primary_key
        if key is None or len(key.columns) != 1 or table.options.without_rowid or self._rowid_alias(table) is None:
            raise UnsupportedConstraint(
                key or m.PrimaryKey(()), self.name,
                f"AUTOINCREMENT on table {table.name} needs a primary key of one INTEGER column, in a table with rowids",
            )
        return key.columns[0]

    def _rowid_alias(self, table: m.Table) -> str | None:
        """The column that is the table's rowid (a lone INTEGER PRIMARY KEY), if any."""
        key = table.primary_key
        if table.options.without_rowid or key is None or len(key.columns) != 1 or not table.has_column(key.columns[0]):
            return None
        column = table.column(key.columns[0])
        return column.name if self.type_sql(column.type).strip().upper() == "INTEGER" else None

    # checks --------------------------------------------------------------------------

    def guard_offline(self, sql: str, rule: str) -> list[str]:
        """An INSERT that a CHECK constraint named after the rule refuses when ``sql`` returns a row."""
        constraint = self.q(f"dbshift check failed: {rule}")
        return [
            f"-- check: {rule} (the INSERT below fails if not: run this script with sqlite3 -bail)",
            f"CREATE TEMP TABLE _dbshift_check (ok INTEGER CONSTRAINT {constraint} CHECK (ok))",
            f"INSERT INTO temp._dbshift_check SELECT NOT EXISTS ({sql})",
            "DROP TABLE temp._dbshift_check",
        ]

    # rebuilding ----------------------------------------------------------------------

    def rebuild(self, schema: m.Schema, op: o.Op) -> list[Statement | str]:
        """Statements that rebuild the table ``op`` changes, as ``op.apply`` says it will be."""
        key = qualified(op.table, op.schema)  # type: ignore[attr-defined]
        return self.rebuild_table(schema, schema.table(key), op.apply(schema).table(key))

    def rebuild_table(
        self, schema: m.Schema, before: m.Table, after: m.Table, values: Mapping[str, str] | None = None
    ) -> list[Statement | str]:
        """Statements that turn table ``before`` (in ``schema``) into ``after``, keeping its rows and all it had;
        ``values`` gives, by column name, the SQL a copied column takes its new value from (its old value when
        not given)."""
        name, temp = before.name, f"_dbshift_new_{after.name}"
        old, new, literal = self.q(name), self.q(temp), quote_literal(name)
        shown = _braced(name)
        children = _referencing(schema, name)
        reached = _reached(schema, name)
        schemas = (schema, schema.replace_table(before.key, after))
        checked: list[tuple[str, str | None]] = [(name, None)] if before.foreign_keys or after.foreign_keys else []
        checked += [(c, name) for c in children]
        checked = [(t, parent) for t, parent in checked if all(_checkable(s, t) for s in schemas)]
        copied = [
            c.name for c in after.columns if before.has_column(c.name) and c.computed is None
            and before.column(c.name).computed is None
        ]
        rowid = self._rowid_to_copy(before, after, copied)
        columns = ", ".join(([rowid] if rowid else []) + [self.q(c) for c in copied])
        taken = ", ".join(([rowid] if rowid else []) + [(values or {}).get(c, self.q(c)) for c in copied])

        statements: list[Statement | str] = []
        if children:
            statements.append(self.guard(
                "SELECT foreign_keys FROM pragma_foreign_keys WHERE foreign_keys",
                "foreign-key enforcement is off",
                f"foreign-key enforcement is on (PRAGMA foreign_keys), so dropping the old {shown} would delete or "
                f"change the rows of {_braced(', '.join(children))} that reference it",
            ))
        if reached:
            statements.append(f"CREATE TEMP TABLE _dbshift_counts AS {self._counts(reached)}")
        if checked:
            statements.append(f"CREATE TEMP TABLE _dbshift_fk_check AS {self._violations(checked)}")
        statements += [
            "CREATE TEMP TABLE _dbshift_triggers AS SELECT name, sql FROM main.sqlite_master "
            f"WHERE type = 'trigger' AND lower(tbl_name) = lower({literal})",
            self.create_table_sql(after, name=temp),
            f"INSERT INTO {new} ({columns}) SELECT {taken} FROM {old}",
            self.guard(
                f"SELECT had, kept FROM (SELECT (SELECT count(*) FROM {old}) AS had, (SELECT count(*) FROM {new}) AS kept)"
                " WHERE had <> kept",
                f"the new {name} holds every row of the old one",
                f"the new {shown} would hold {{kept}} of the {{had}} rows of the old one",
            ),
        ]
        if before.options.autoincrement and after.options.autoincrement:  # the old counter, not the copy's highest id
            statements += [
                f"DELETE FROM sqlite_sequence WHERE name = {quote_literal(temp)}",
                f"UPDATE sqlite_sequence SET name = {quote_literal(temp)} WHERE name = {literal}",
            ]
        statements += [
            f"DROP TABLE {old}",
            # views and other tables' triggers naming the table stay as written, rather than the rename refusing
            # because they name a table that is, for the moment, not there
            "PRAGMA legacy_alter_table = ON",
            f"ALTER TABLE {new} RENAME TO {self.q(after.name)}",
            "PRAGMA legacy_alter_table = OFF",
        ]
        statements += [self.create_index_sql(after.name, None, i) for i in after.indexes]
        statements += [
            Replay(
                self._triggers_replay(after),
                what=f"re-create the triggers of {name}",
                offline=self._triggers_offline(schema, before),
            ),
            "DROP TABLE temp._dbshift_triggers",
            Replay(
                """SELECT 'SELECT * FROM main."' || replace(name, '"', '""') || '" LIMIT 0', 'view ' || name || """
                f"' no longer works after the rebuild of ' || {literal} FROM main.sqlite_master "
                f"WHERE type = 'view' AND instr(lower(sql), lower({literal})) > 0",
                what=f"check that the views naming {name} still work",
                offline=self._views_offline(schema, before),
            ),
        ]
        if checked:
            statements += [
                self.guard(
                    f"SELECT child || ' row ' || ifnull(row, '?') || ' (references ' || parent || ')' AS violation FROM "
                    f"({self._violations(checked)} EXCEPT SELECT child, row, parent FROM temp._dbshift_fk_check)",
                    f"the rebuild of {name} breaks no foreign key",
                    f"the rebuild of {shown} would leave {{count}} row(s) referencing a row that does not exist: {{rows}}",
                ),
                "DROP TABLE temp._dbshift_fk_check",
            ]
        if reached:
            statements += [
                self.guard(
                    f"SELECT name || ': ' || had || ' rows before, ' || now || ' after' AS change FROM "
                    f"(SELECT name, had, {self._count_now(reached)} AS now FROM temp._dbshift_counts) "
                    "WHERE had IS NOT now",
                    f"the tables referencing {name} keep their rows",
                    f"the rebuild of {shown} would change other tables ({{rows}})",
                ),
                "DROP TABLE temp._dbshift_counts",
            ]
        return statements

    def _triggers_offline(self, schema: m.Schema, table: m.Table) -> tuple[str, ...]:
        """What a script holds in place of the triggers' replay: the CREATE TRIGGER of each trigger ``schema``
        knows the table has (the plan drops before and creates after the rebuild those it changes), or, when it
        knows none, a comment saying to re-create them by hand."""
        known = [x for x in schema.objects if x.kind == "trigger" and (x.table or "").lower() == table.key.lower()]
        if known:
            return tuple(statement for x in known for statement in x.create)
        return (
            f"-- re-create the triggers of {table.name} here: dbshift does when it runs the migration, a script "
            "cannot (list them beforehand: SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = "
            f"{quote_literal(table.name)})",
        )

    def _views_offline(self, schema: m.Schema, table: m.Table) -> tuple[str, ...]:
        """What a script holds in place of the views' check: a query of each view ``schema`` knows uses the
        table (it fails when the view no longer works), or, when it knows none, a comment."""
        known = [x for x in schema.objects if x.kind == "view" and x.uses(table.key)]
        if known:
            return tuple(f"SELECT * FROM main.{self.q(x.name)} LIMIT 0" for x in known)
        return (f"-- not checked by this script: the views naming {table.name} still work",)

    def _triggers_replay(self, table: m.Table) -> str:
        """Each saved trigger's CREATE TRIGGER, then statements that do nothing but make SQLite compile the
        table's triggers (a DELETE, an UPDATE of every column and an INSERT, each ``WHERE 0``): a trigger whose
        body uses a column the rebuild dropped fails there, named, instead of at the next write."""
        name, literal = self.q(table.name), quote_literal(table.name)
        written = [self.q(c.name) for c in table.columns if c.computed is None]
        checks = [
            f"DELETE FROM {name} WHERE 0",
            f"UPDATE {name} SET {', '.join(f'{c} = {c}' for c in written)} WHERE 0",
            f"INSERT INTO {name} ({', '.join(written)}) SELECT {', '.join(written)} FROM {name} WHERE 0",
        ]
        parts = [f"SELECT rowid AS r, 0 AS k, sql AS statement, 'cannot re-create trigger ' || name || ' of ' || {literal} "
                 "AS what FROM temp._dbshift_triggers"]
        parts += [
            f"SELECT rowid, {k}, {quote_literal(check)}, 'trigger ' || name || ' of ' || {literal} || "
            "' no longer works after the rebuild' FROM temp._dbshift_triggers"
            for k, check in enumerate(checks, 1)
        ]
        return f"SELECT statement, what FROM ({' UNION ALL '.join(parts)}) ORDER BY r, k"

    def _rowid_to_copy(self, before: m.Table, after: m.Table, copied: list[str]) -> str | None:
        """How to name the rowid in the copy, when the rows' rowids must be copied explicitly.

        They must when both tables have rowids and no copied INTEGER PRIMARY KEY carries them: in
        a table without one, rowids are otherwise renumbered by the copy.
        """
        if before.options.without_rowid or after.options.without_rowid:
            return None
        alias = self._rowid_alias(after)
        if alias is not None and alias in copied:
            return None
        taken = {c.name.lower() for c in before.columns + after.columns}
        return next((n for n in ("rowid", "_rowid_", "oid") if n not in taken), None)

    def _counts(self, tables: list[str]) -> str:
        return " UNION ALL ".join(
            f"SELECT {quote_literal(t)} AS name, (SELECT count(*) FROM {self.q(t)}) AS had" for t in tables
        )

    def _count_now(self, tables: list[str]) -> str:
        cases = " ".join(f"WHEN {quote_literal(t)} THEN (SELECT count(*) FROM {self.q(t)})" for t in tables)
        return f"CASE name {cases} END"

    def _violations(self, checked: list[tuple[str, str | None]]) -> str:
        """The rows of each table that break a foreign key (to ``parent`` only, when given), as (child, row, parent)."""
        parts = []
        for table, parent in checked:
            sql = f'SELECT "table" AS child, rowid AS row, parent FROM pragma_foreign_key_check({quote_literal(table)})'
            if parent is not None:
                sql += f" WHERE lower(parent) = lower({quote_literal(parent)})"
            parts.append(sql)
        return " UNION ALL ".join(parts)


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


def _referencing(schema: m.Schema, name: str) -> list[str]:
    """The other tables with a foreign key to table ``name``, sorted."""
    lowered = name.lower()
    return sorted(
        t.name for t in schema.tables
        if t.name.lower() != lowered and any(fk.ref_table.lower() == lowered for fk in t.foreign_keys)
    )


def _reached(schema: m.Schema, name: str) -> list[str]:
    """The other tables whose rows a drop of table ``name`` could reach through foreign-key actions: those
    referencing it, those referencing them, and so on; sorted."""
    found: set[str] = set()
    todo = [name]
    while todo:
        for child in _referencing(schema, todo.pop()):
            if child.lower() != name.lower() and child not in found:
                found.add(child)
                todo.append(child)
    return sorted(found)


def _checkable(schema: m.Schema, name: str) -> bool:
    """Whether ``PRAGMA foreign_key_check`` can check table ``name``: it refuses ("foreign key mismatch") a
    table with a foreign key to columns that are not a key of the referenced table."""
    table = next((t for t in schema.tables if t.name.lower() == name.lower()), None)
    return table is None or all(_keyed(schema, table, fk) for fk in table.foreign_keys)


def _keyed(schema: m.Schema, table: m.Table, fk: m.ForeignKey) -> bool:
    parent = next((t for t in schema.tables if t.name.lower() == fk.ref_table.lower()), None)
    if parent is None:  # a missing table: its rows are reported, nothing is refused
        return True
    keys = [parent.primary_key.columns] if parent.primary_key else []
    keys += [u.columns for u in parent.uniques]
    keys += [i.expressions for i in parent.indexes if i.unique and i.where is None]
    wanted = {c.lower() for c in (fk.ref_columns or (keys[0] if keys else ()))}
    return any({c.lower() for c in key} == wanted for key in keys)


def _braced(text: str) -> str:
    """``text`` safe inside a :class:`~.base.Guard` message, which is a format string."""
    return text.replace("{", "{{").replace("}", "}}")

"""PostgreSQL: serial columns, in-place ALTER COLUMN, native enum types, sequences, schemas,
inheritance, partitions and statistics.

PostgreSQL has SQL for every operation: nothing is rendered as nothing, nothing is refused.

A table that inherits (``INHERITS``) or is a partition (``PARTITION OF``) is created with
only its own columns; what it sets on the columns it has from its parent (a default of
its own, ``NOT NULL``) follows.  Such a column is dropped with the parent's: dropping it
from the child alone renders nothing.  A default or statistics target set on a table that
has children is set on that table ``ONLY``: each child states its own.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from ..core import model as m
from ..core import ops as o
from ..core.enum_columns import renamed_default
from ..core.identifiers import pg_object_name
from ..core.objects import DbObject
from ..core.types import parse_type
from ..sqla.normalize import equivalence_for
from .base import Renderer, Statement

_SERIAL = {"integer": "SERIAL", "bigint": "BIGSERIAL", "smallint": "SMALLSERIAL"}


class PostgresRenderer(Renderer):
    name = "postgresql"
    renders_nothing = {k: why for k, why in Renderer.renders_nothing.items() if k is not o.ValidateConstraint}

    def column_sql(self, column: m.Column, table: m.Table | None = None) -> str:
        if column.autoincrement and column.type in _SERIAL and column.identity is None:
            sql = f"{self.q(column.name)} {_SERIAL[column.type]}"
            return sql + ("" if column.nullable else " NOT NULL")
        return super().column_sql(column, table)

    def create_table_sql(self, table: m.Table, name: str | None = None) -> str:
        target = self.table_name(name or table.name, table.schema)
        create = "CREATE UNLOGGED TABLE" if table.unlogged else "CREATE TABLE"
        if table.partition_of is not None:
            parent = table.partition_of.parent
            constraints = [self.constraint_sql(c) for c in table.constraints]
            listed = " (\n    " + ",\n    ".join(constraints) + "\n)" if constraints else ""
            sql = f"{create} {target} PARTITION OF {self.table_name(parent.name, parent.schema)}{listed} " + (
                table.partition_of.bound
            )
        else:
            lines = [self.column_sql(c, table) for c in table.own_columns]
            lines += [self.constraint_sql(c) for c in table.constraints]
            sql = f"{create} {target} (" + ("\n    " + ",\n    ".join(lines) + "\n" if lines else "") + ")"
            if table.inherits:
                sql += " INHERITS (" + ", ".join(self.table_name(p.name, p.schema) for p in table.inherits) + ")"
        if table.partition_by:
            sql += f" PARTITION BY {table.partition_by}"
        return sql

    def object_statements(self, obj: DbObject, statements: Sequence[str]) -> list:
        """A function's or procedure's body is checked when it runs, not when it is created: it may use
        tables this migration creates later, as a database's own functions do after a restore."""
        found = super().object_statements(obj, statements)
        creates = any(s.lstrip().upper().startswith("CREATE") for s in statements)
        if found and creates and obj.kind in ("function", "procedure"):
            return [Statement("SET LOCAL check_function_bodies = off"), *found]
        return found

    def render_create_table(self, op: o.CreateTable, schema: m.Schema) -> list:
        t = op.table
        cluster = [self._cluster_sql(t.name, t.schema, t.cluster_on)] if t.cluster_on else []
        return (
            super().render_create_table(op, schema)
            + self._as_child_sets(t, schema)
            + [self._statistics_target_sql(t.name, t.schema, c.name, c.statistics_target, only=False)
               for c in t.columns if c.statistics_target is not None]
            + [self._create_statistics_sql(t.name, t.schema, s) for s in t.statistics]
            + cluster
        )

    def _as_child_sets(self, table: m.Table, schema: m.Schema) -> list[str]:
        """What a new child sets on the columns it has from its parent: its own default, ``NOT NULL``."""
        eq = equivalence_for(self.name)
        result = []
        for column in table.columns:
            if column.name not in table.inherited_columns:
                continue
            found = _parent_column(schema, table, column.name)
            if found is None:
                continue  # the parent has it not yet: its ADD COLUMN gives it to the child, default included
            parent, default = found[1], _inherited_default(*found)
            alter = f"ALTER TABLE {self.table_name(table.name, table.schema)} ALTER COLUMN {self.q(column.name)}"
            if (column.default is None) != (default is None) or (
                    column.default is not None and default is not None and eq.default(column.default) != eq.default(default)):
                result.append(f"{alter} SET DEFAULT {column.default}" if column.default is not None else f"{alter} DROP DEFAULT")
            if not column.nullable and parent.nullable:
                result.append(f"{alter} SET NOT NULL")
        return result

    def render_alter_table_inherit(self, op: o.AlterTableInherit, schema: m.Schema) -> list:
        how = "INHERIT" if op.inherit else "NO INHERIT"
        return [f"ALTER TABLE {self.table_name(op.table, op.schema)} {how} {self.table_name(op.parent.name, op.parent.schema)}"]

    def render_attach_partition(self, op: o.AttachPartition, schema: m.Schema) -> list:
        parent = self.table_name(op.partition_of.parent.name, op.partition_of.parent.schema)
        return [f"ALTER TABLE {parent} ATTACH PARTITION {self.table_name(op.table, op.schema)} {op.partition_of.bound}"]

    def render_detach_partition(self, op: o.DetachPartition, schema: m.Schema) -> list:
        """Detach, then drop what the partition only had as copies of its parent's (constraints, indexes),
        which PostgreSQL leaves on it as its own: the table keeps its rows and columns, and has the
        indexes and constraints it states itself, as the schema model says."""
        parent = self.table_name(op.partition_of.parent.name, op.partition_of.parent.schema)
        table = self.literal(self.table_name(op.table, op.schema))
        body = f"""DECLARE
    copies text[];
    statement text;
BEGIN
    SELECT coalesce(array_agg(format('ALTER TABLE %s DROP CONSTRAINT %I', con.conrelid::regclass, con.conname)), '{{}}')
    INTO copies FROM pg_catalog.pg_constraint con
    WHERE con.conrelid = {table}::regclass AND (con.conparentid <> 0 OR NOT con.conislocal);
    SELECT copies || coalesce(array_agg(format('DROP INDEX %s', inh.inhrelid::regclass)), '{{}}')
    INTO copies FROM pg_catalog.pg_inherits inh JOIN pg_catalog.pg_index i ON i.indexrelid = inh.inhrelid
    WHERE i.indrelid = {table}::regclass AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = inh.inhrelid AND con.conrelid = i.indrelid);
    ALTER TABLE {parent} DETACH PARTITION {self.table_name(op.table, op.schema)};
    FOREACH statement IN ARRAY copies LOOP
        EXECUTE statement;
    END LOOP;
END"""
        return [f"DO {_dollar_quote(body)}"]

    def render_create_statistics(self, op: o.CreateStatistics, schema: m.Schema) -> list:
        return [self._create_statistics_sql(op.table, op.schema, op.statistics)]

    def _create_statistics_sql(self, table: str, schema: str | None, statistics: m.Statistics) -> str:
        kinds = f" ({', '.join(statistics.kinds)})" if statistics.kinds else ""
        keys = ", ".join(
            self.q(e) if _is_name(e) else e if e.startswith("(") and e.endswith(")") else f"({e})"
            for e in statistics.expressions
        )
        return (f"CREATE STATISTICS {self.table_name(statistics.name, schema)}{kinds} ON {keys} "
                f"FROM {self.table_name(table, schema)}")

    def render_drop_statistics(self, op: o.DropStatistics, schema: m.Schema) -> list:
        return [f"DROP STATISTICS {self.table_name(op.statistics.name, op.schema)}"]

    def render_alter_column_statistics(self, op: o.AlterColumnStatistics, schema: m.Schema) -> list:
        only = bool(_children(schema, m.qualified(op.table, op.schema)))
        return [self._statistics_target_sql(op.table, op.schema, op.column, op.new, only)]

    def _statistics_target_sql(self, table: str, schema: str | None, column: str, target: int | None, only: bool) -> str:
        """``SET STATISTICS``; ``only``: on this table alone, not on its children (which state their own)."""
        value = -1 if target is None else target
        return (f"ALTER TABLE {'ONLY ' if only else ''}{self.table_name(table, schema)} "
                f"ALTER COLUMN {self.q(column)} SET STATISTICS {value}")

    def render_add_column(self, op: o.AddColumn, schema: m.Schema) -> list:
        key = m.qualified(op.table, op.schema)
        if schema.has_table(key) and _parent_column(schema, schema.table(key), op.column.name) is not None:
            return []  # a parent has it: the table has it from that parent already
        target = op.column.statistics_target
        statistics = [self._statistics_target_sql(op.table, op.schema, op.column.name, target, only=False)]
        return super().render_add_column(op, schema) + (statistics if target is not None else [])

    def render_drop_column(self, op: o.DropColumn, schema: m.Schema) -> list:
        key = m.qualified(op.table, op.schema)
        table = schema.table(key) if schema.has_table(key) else None
        if table is not None and table.parents and op.column.name in table.inherited_columns:
            return []  # the parent's column: it goes with the parent's DROP COLUMN
        return super().render_drop_column(op, schema)

    def render_alter_table_cluster(self, op: o.AlterTableCluster, schema: m.Schema) -> list:
        return [self._cluster_sql(op.table, op.schema, op.new)]

    def _cluster_sql(self, table: str, schema: str | None, index: str | None) -> str:
        how = f"CLUSTER ON {self.q(index)}" if index else "SET WITHOUT CLUSTER"
        return f"ALTER TABLE {self.table_name(table, schema)} {how}"

    def render_alter_table_logging(self, op: o.AlterTableLogging, schema: m.Schema) -> list:
        return [f"ALTER TABLE {self.table_name(op.table, op.schema)} SET {'UNLOGGED' if op.unlogged else 'LOGGED'}"]

    def enum_name(self, enum: m.Enum) -> str:
        return self.table_name(enum.name, enum.schema)

    def as_text(self, column: str) -> str:
        return f"{column}::text"

    def as_number(self, column: str) -> str:
        return f"{column}::numeric"

    def render_alter_column(self, op: o.AlterColumn, schema: m.Schema) -> list:
        if "computed" in op.changes or "virtual" in op.changes:
            return self.render_drop_column(o.DropColumn(op.table, op.old, op.schema), schema) + self.render_add_column(
                o.AddColumn(op.table, op.new, op.schema), schema
            )
        alter = f"ALTER TABLE {self.table_name(op.table, op.schema)} ALTER COLUMN {self.q(op.new.name)}"
        old, new = op.old, op.new
        result: list = []
        serial_name = m.serial_sequence_name(op.table, old.name)
        if "autoincrement" in op.changes and old.autoincrement:
            result.append(f"{alter} DROP DEFAULT")
            if serial_name not in (new.default or ""):  # else the sequence stays, detached, as the new default
                result.append(f"DROP SEQUENCE IF EXISTS {self._serial_sequence(op.table, op.schema, old.name)}")
        # identity options change in place: dropping and re-adding it would restart its numbering
        reidentify = "identity" in op.changes and old.identity is not None and new.identity is not None
        if "identity" in op.changes and old.identity is not None and not reidentify:
            result.append(f"{alter} DROP IDENTITY")
        if "type" in op.changes:
            result += self.loss_check(op, schema)
            if old.default is not None:  # the old default may not cast to the new type
                result.append(f"{alter} DROP DEFAULT")
            type_sql = self.type_sql(new.type)
            using = f"{self.q(new.name)}{_cast_path(old.type, new.type)}::{type_sql}"
            result.append(f"{alter} TYPE {type_sql}{self._collate(op)} USING {using}")
            if old.default is not None and "default" not in op.changes:
                result.append(f"{alter} SET DEFAULT {new.default}")
        elif "collation" in op.changes:
            result.append(f"{alter} TYPE {self.type_sql(new.type)}{self._collate(op)}")
        if "default" in op.changes:
            alone = alter.replace("ALTER TABLE ", "ALTER TABLE ONLY ", 1)  # children state their own default
            if not _children(schema, m.qualified(op.table, op.schema)):
                alone = alter
            result.append(f"{alone} SET DEFAULT {new.default}" if new.default is not None else f"{alone} DROP DEFAULT")
        if "nullable" in op.changes:
            result.append(f"{alter} {'DROP' if new.nullable else 'SET'} NOT NULL")
        if reidentify and old.identity is not None and new.identity is not None:
            result += self._identity_changes(alter, old.identity, new.identity)
        elif "identity" in op.changes and new.identity is not None:
            result.append(f"{alter} ADD {self.identity_sql(new.identity)}")
        if "autoincrement" in op.changes and new.autoincrement:
            # a sequence under the serial name is there already when it is being attached to the column
            there = any(s.key == m.qualified(serial_name, op.schema) for s in schema.sequences)
            result += self._make_serial(op.table, op.schema, new.name, new.type)[2 if there else 0:]
        if "comment" in op.changes:
            result.append(self.column_comment_sql(op.table, op.schema, new))
        return result

    def _identity_changes(self, alter: str, old: m.Identity, new: m.Identity) -> list[str]:
        """``SET GENERATED …``, ``SET INCREMENT BY``, ``SET START WITH``: the sequence keeps its current value."""
        changes = []
        if old.always != new.always:
            changes.append(f"SET GENERATED {'ALWAYS' if new.always else 'BY DEFAULT'}")
        if old.increment != new.increment:
            changes.append(f"SET INCREMENT BY {new.increment or 1}")
        if old.start != new.start:
            changes.append(f"SET START WITH {new.start or 1}")
        return [f"{alter} {' '.join(changes)}"] if changes else []

    def _collate(self, op: o.AlterColumn) -> str:
        """`` COLLATE x`` for ALTER COLUMN … TYPE: the new collation, or back to the type's default."""
        if op.old.collation is None and op.new.collation is None:
            return ""
        return " " + self.collation_sql(op.new.collation or "default")

    def _serial_sequence(self, table: str, schema: str | None, column: str) -> str:
        """The sequence a serial column owns, as SERIAL names it."""
        return self.table_name(m.serial_sequence_name(table, column), schema)

    def _make_serial(self, table: str, schema: str | None, column: str, data_type: str = "integer") -> list[str]:
        """What SERIAL does for an existing column: its own sequence, of the column's type, owned by it and
        starting after the rows' values, as the column's default."""
        seq = self._serial_sequence(table, schema, column)
        target = self.table_name(table, schema)
        as_type = f" AS {data_type}" if data_type in m.SEQUENCE_RANGES else ""
        return [
            f"CREATE SEQUENCE {seq}{as_type} OWNED BY {target}.{self.q(column)}",
            f"SELECT setval({self.literal(seq)}, COALESCE(MAX({self.q(column)}), 0) + 1, false) FROM {target}",
            f"ALTER TABLE {target} ALTER COLUMN {self.q(column)} SET DEFAULT nextval({self.literal(seq)}::regclass)",
        ]

    def render_drop_constraint(self, op: o.DropConstraint, schema: m.Schema) -> list:
        """An unnamed primary key (a migration written on MySQL, where every one is PRIMARY) is the table's
        primary key: dropped by the name it has, else by the one PostgreSQL gives it (``<table>_pkey``)."""
        if isinstance(op.constraint, m.PrimaryKey) and not op.constraint.name:
            key = m.qualified(op.table, op.schema)
            current = schema.table(key).primary_key if schema.has_table(key) else None
            name = current.name if current is not None and current.name else pg_object_name(op.table, None, "pkey")
            op = replace(op, constraint=replace(op.constraint, name=name))
        return super().render_drop_constraint(op, schema)

    # --- online forms: CONCURRENTLY, NOT VALID, USING INDEX, batches -----------------------------------

    def render_create_index(self, op: o.CreateIndex, schema: m.Schema) -> list:
        """``CONCURRENTLY``: the same index, built outside the migration's transaction without blocking writes."""
        sql = self.create_index_sql(op.table, op.schema, op.index)
        if not op.concurrently:
            return [sql]
        return [Statement(re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX CONCURRENTLY ", sql, count=1),
                          transactional=False)]

    def render_drop_index(self, op: o.DropIndex, schema: m.Schema) -> list:
        if not op.concurrently:
            return super().render_drop_index(op, schema)
        return [Statement(f"DROP INDEX CONCURRENTLY {self.table_name(op.index.name, op.schema)}", transactional=False)]

    def render_add_constraint(self, op: o.AddConstraint, schema: m.Schema) -> list:
        """``NOT VALID`` (the rows already there are checked by a later VALIDATE), or a unique key made of the
        unique index built before (``USING INDEX``: no scan, a brief lock)."""
        target = self.table_name(op.table, op.schema)
        if op.using_index is not None and isinstance(op.constraint, m.Unique):
            head = f"CONSTRAINT {self.q(op.constraint.name)} " if op.constraint.name else ""
            deferrable = self.deferrable_sql(op.constraint)
            return [f"ALTER TABLE {target} ADD {head}UNIQUE USING INDEX {self.q(op.using_index)}{deferrable}"]
        sql = f"ALTER TABLE {target} ADD {self.constraint_sql(op.constraint)}"
        return [sql + (" NOT VALID" if not op.valid else "")]

    def render_validate_constraint(self, op: o.ValidateConstraint, schema: m.Schema) -> list:
        """Outside the migration's transaction: the lock the ADD took is released first, and the scan holds
        only a lock that lets reads and writes go on."""
        sql = f"ALTER TABLE {self.table_name(op.table, op.schema)} VALIDATE CONSTRAINT {self.q(op.name)}"
        return [Statement(sql, transactional=False)]

    def render_backfill(self, op: o.Backfill, schema: m.Schema) -> list:
        """In batches (``batch_size``): one block that updates that many rows at a time and commits each batch,
        run outside the migration's transaction, until no NULL is left; run again, it goes on where it was."""
        if op.batch_size is None:
            return super().render_backfill(op, schema)
        table, column = self.table_name(op.table, op.schema), self.q(op.column)
        nulls = f"SELECT ctid FROM {table} WHERE {column} IS NULL"
        body = f"""DECLARE
    done bigint;
BEGIN
    LOOP
        UPDATE {table} SET {column} = {op.value}
        WHERE ctid = ANY (ARRAY({nulls} LIMIT {int(op.batch_size)}));
        GET DIAGNOSTICS done = ROW_COUNT;
        COMMIT;
        EXIT WHEN done = 0 AND NOT EXISTS ({nulls});
    END LOOP;
END;"""
        return [Statement(f"DO {_dollar_quote(body)}", transactional=False)]

    def render_create_enum(self, op: o.CreateEnum, schema: m.Schema) -> list:
        values = ", ".join(self.literal(v) for v in op.enum.values)
        return [f"CREATE TYPE {self.enum_name(op.enum)} AS ENUM ({values})"]

    def render_drop_enum(self, op: o.DropEnum, schema: m.Schema) -> list:
        return [f"DROP TYPE {self.enum_name(op.enum)}"]

    def render_alter_enum(self, op: o.AlterEnum, schema: m.Schema) -> list:
        old, new = op.old, op.new
        if not op.in_place:
            return self._rebuild_enum(op, schema)
        renamed = dict(op.renamed)
        after_rename = tuple(renamed.get(v, v) for v in old.values)
        name = self.enum_name(old)
        result: list = [
            f"ALTER TYPE {name} RENAME VALUE {self.literal(a)} TO {self.literal(b)}" for a, b in op.renamed
        ]
        present = list(after_rename)
        for i, value in enumerate(new.values):
            if value in present:
                continue
            following = next((v for v in new.values[i + 1 :] if v in present), None)
            where = f" BEFORE {self.literal(following)}" if following else ""
            add = f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS {self.literal(value)}{where}"
            result.append(Statement(add, transactional=False))
            present.insert(present.index(following) if following else len(present), value)
        return result

    def _rebuild_enum(self, op: o.AlterEnum, schema: m.Schema) -> list:
        """Replace the type: rename the old one away, create the new, convert every column, drop the old."""
        old_name = f"{op.old.name}__old"
        name = self.enum_name(op.new)
        renamed = dict(op.renamed)
        users = _enum_users(schema, op.old.key)
        result = [self._refuse_removed_values(op, users)] if op.removed and users else []
        result += [
            f"ALTER TYPE {name} RENAME TO {self.q(old_name)}",
            self.render_create_enum(o.CreateEnum(op.new), schema)[0],
        ]
        for t, c in users:
            alter = f"ALTER TABLE {self.table_name(t.name, t.schema)} ALTER COLUMN {self.q(c.name)}"
            if c.type.endswith("[]"):  # an array of the enum: its elements are converted
                value = f"{self.q(c.name)}::text[]"
                for a, b in renamed.items():
                    value = f"array_replace({value}, {self.literal(a)}, {self.literal(b)})"
                target = f"{name}[]"
            else:
                value = f"{self.q(c.name)}::text"
                for a, b in renamed.items():
                    when = f"{self.q(c.name)}::text = {self.literal(a)}"
                    value = f"CASE WHEN {when} THEN {self.literal(b)} ELSE {value} END"
                target = name
            if c.default is not None:
                result.append(f"{alter} DROP DEFAULT")
            result.append(f"{alter} TYPE {target} USING ({value})::{target}")
            if c.default is not None:
                default = renamed_default(c.default, op.renamed) or c.default  # a renamed value: its new name
                result.append(f"{alter} SET DEFAULT {default.replace(old_name, op.new.name)}")
        result.append(f"DROP TYPE {self.table_name(old_name, op.old.schema)}")
        return result

    def _refuse_removed_values(self, op: o.AlterEnum, users: list) -> str:
        """A check that stops the migration, with a clear message, while rows still hold a removed value."""
        removed = ", ".join(self.literal(v) for v in op.removed)
        checks = []
        for t, c in users:
            where = f"{self.table_name(t.name, t.schema)}.{self.q(c.name)}"
            message = (
                f"cannot remove value(s) {', '.join(op.removed)} from enum type {op.old.key}: "
                f"rows in {where} still hold them"
            )
            holds = (
                f"{self.q(c.name)}::text[] && ARRAY[{removed}]::text[]" if c.type.endswith("[]")
                else f"{self.q(c.name)}::text IN ({removed})"
            )
            checks.append(
                f"IF EXISTS (SELECT 1 FROM {self.table_name(t.name, t.schema)} WHERE {holds}) "
                f"THEN RAISE EXCEPTION '%', {self.literal(message)}; END IF;"
            )
        body = "BEGIN " + " ".join(checks) + " END"
        return f"DO {_dollar_quote(body)}"

    def render_create_sequence(self, op: o.CreateSequence, schema: m.Schema) -> list:
        s = op.sequence
        if s.owned_by:  # SERIAL created it: give it its name and options
            serial = self._serial_of(s, schema)
            rename = [] if serial.name == s.name else [f"ALTER SEQUENCE {self.table_name(serial.name, s.schema)} "
                                                        f"RENAME TO {self.q(s.name)}"]
            return rename + self._alter_sequence(replace(serial, name=s.name), s)
        options = {k: v for k, v in s.resolved().items() if getattr(s, k) not in (None, False)}
        return [f"CREATE SEQUENCE {self.table_name(s.name, s.schema)}{self._sequence_options(options)}"]

    def render_alter_sequence(self, op: o.AlterSequence, schema: m.Schema) -> list:
        suffix = ""
        if op.old.owned_by != op.new.owned_by:
            owner = op.new.owned_by
            suffix = " OWNED BY NONE"
            if owner:
                suffix = f" OWNED BY {self.table_name(owner[0], op.new.schema)}.{self.q(owner[1])}"
        return self._alter_sequence(op.old, op.new, suffix)

    def _serial_of(self, sequence: m.Sequence, schema: m.Schema) -> m.Sequence:
        """The sequence SERIAL gives the column that owns ``sequence`` (which must have ``owned_by``)."""
        if sequence.owned_by is None:
            raise ValueError(f"sequence {sequence.key!r} belongs to no serial column")
        table, column = sequence.owned_by
        owner = schema.table(m.qualified(table, sequence.schema)).column(column)
        return m.serial_sequence(table, owner, sequence.schema)

    def render_attach_sequence(self, op: o.AttachSequence, schema: m.Schema) -> list:
        owner = f"{self.table_name(op.table, op.schema)}.{self.q(op.column)}"
        return self._alter_sequence(op.sequence, self._as_serial(op, schema), f" OWNED BY {owner}")

    def render_detach_sequence(self, op: o.DetachSequence, schema: m.Schema) -> list:
        return self._alter_sequence(self._as_serial(op, schema), op.sequence, " OWNED BY NONE")

    def _as_serial(self, op: o.AttachSequence | o.DetachSequence, schema: m.Schema) -> m.Sequence:
        """``op.sequence`` with the options SERIAL gives a sequence (its data type is the column's)."""
        column = schema.table(m.qualified(op.table, op.schema)).column(op.column)
        return replace(m.serial_sequence(op.table, column, op.sequence.schema), name=op.sequence.name)

    def _alter_sequence(self, before: m.Sequence, after: m.Sequence, suffix: str = "") -> list:
        new = after.resolved()
        name = self.table_name(after.name, after.schema)
        options = {k: new[k] for k in o.AlterSequence(before, after).changes}
        # the range must hold the current value: move it forward (never back, which would repeat
        # values already handed out) when the range now starts past it; PostgreSQL refuses the rest
        increment, (old_min, old_max), (new_min, new_max) = _increment(after), _range(before), _range(after)
        moves = []
        if increment > 0 and new_min > old_min:
            moves.append(f"SELECT setval({self.literal(name)}, {new_min}, false) FROM {name} "
                         f"WHERE last_value < {new_min}")
        if increment < 0 and new_max < old_max:
            moves.append(f"SELECT setval({self.literal(name)}, {new_max}, false) FROM {name} "
                         f"WHERE last_value > {new_max}")
        if not options and not suffix:
            return moves
        return moves + [f"ALTER SEQUENCE {name}{self._sequence_options(options)}{suffix}"]

    def _sequence_options(self, options: dict) -> str:
        """`` AS bigint INCREMENT BY 2 …`` for the given resolved options (PostgreSQL's clause order)."""
        clauses = {
            "data_type": "AS {}", "increment": "INCREMENT BY {}", "minvalue": "MINVALUE {}",
            "maxvalue": "MAXVALUE {}", "start": "START WITH {}", "cache": "CACHE {}",
        }
        parts = [clauses[k].format(options[k]) for k in clauses if k in options]
        if "cycle" in options:
            parts.append("CYCLE" if options["cycle"] else "NO CYCLE")
        return "".join(" " + p for p in parts)

    def render_drop_sequence(self, op: o.DropSequence, schema: m.Schema) -> list:
        s = op.sequence
        name = self.table_name(s.name, s.schema)
        if not s.owned_by:
            return [f"DROP SEQUENCE {name}"]
        table, column = s.owned_by
        key = m.qualified(table, s.schema)
        if not (schema.has_table(key) and schema.table(key).has_column(column)
                and schema.table(key).column(column).autoincrement):
            return [f"DROP SEQUENCE IF EXISTS {name}"]  # gone with its column, or left behind by a rename
        serial = self._serial_of(s, schema)  # the column keeps it, with the options SERIAL gives it
        rename = [] if serial.name == s.name else [f"ALTER SEQUENCE {name} RENAME TO {self.q(serial.name)}"]
        return self._alter_sequence(s, replace(serial, name=s.name)) + rename

    def render_create_schema(self, op: o.CreateSchema, schema: m.Schema) -> list:
        return [f"CREATE SCHEMA {self.q(op.name)}"]

    def render_drop_schema(self, op: o.DropSchema, schema: m.Schema) -> list:
        return [f"DROP SCHEMA {self.q(op.name)}"]


_NUMBERS = frozenset({"smallint", "bigint", "numeric", "real", "double"})


def _increment(sequence: m.Sequence) -> int:
    """The sequence's actual increment (1 when not given)."""
    return int(sequence.resolved()["increment"])


def _range(sequence: m.Sequence) -> tuple[int, int]:
    """The sequence's actual ``(minvalue, maxvalue)``, defaults filled in."""
    resolved = sequence.resolved()
    return int(resolved["minvalue"]), int(resolved["maxvalue"])


def _cast_path(old: str, new: str) -> str:
    """The casts a value of type ``old`` goes through before the final ``::new``.

    PostgreSQL casts an enum only to text, and a boolean only to or from
    integer: other numbers go by way of integer.
    """
    before, after = parse_type(old), parse_type(new)
    if before.is_enum:
        return "::text"
    if (before.name == "boolean" and after.name in _NUMBERS) or (before.name in _NUMBERS and after.name == "boolean"):
        return "::integer"
    return ""


def _dollar_quote(body: str) -> str:
    """``body`` dollar-quoted with a tag it does not contain (names and values in it may hold ``$$``)."""
    body += " " if body.endswith("$") else ""  # a closing $$ right after it would end the body early
    tag, n = "$$", 0
    while tag in body:
        n += 1
        tag = f"$dbshift{n}$"
    return f"{tag}{body}{tag}"


def _is_name(expression: str) -> bool:
    """Whether ``expression`` is a plain column name (quoted as needed), not an expression."""
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", expression))


def _children(schema: m.Schema, key: str) -> list[m.Table]:
    """The tables of ``schema`` that inherit from, or are partitions of, table ``key``."""
    return [t for t in schema.tables if any(p.key == key for p in t.parents)]


def _parent_column(schema: m.Schema, table: m.Table, name: str) -> tuple[m.Table, m.Column] | None:
    """The first of ``table``'s parents in ``schema`` that has column ``name``, and that column."""
    for parent in table.parents:
        if schema.has_table(parent.key) and schema.table(parent.key).has_column(name):
            return schema.table(parent.key), schema.table(parent.key).column(name)
    return None


def _inherited_default(parent: m.Table, column: m.Column) -> str | None:
    """The default a child gets with ``parent``'s ``column``: a serial column's is ``nextval`` of its sequence."""
    if column.autoincrement and column.identity is None and column.default is None:
        sequence = m.qualified(m.serial_sequence_name(parent.name, column.name), parent.schema)
        return f"nextval('{sequence}'::regclass)"
    return column.default


def _enum_users(schema: m.Schema, key: str) -> list[tuple[m.Table, m.Column]]:
    """The columns whose type is enum type ``key``, or an array of it."""
    users = []
    for t in schema.tables:
        for c in t.columns:
            spec = parse_type(c.type.removesuffix("[]"))
            if spec.is_enum and spec.enum_name == key:
                users.append((t, c))
    return users

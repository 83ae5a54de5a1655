"""MySQL and MariaDB: backtick names, MODIFY COLUMN, inline enums and comments, keys as indexes.

What differs from the shared renderer:

* a column is changed with one ``ALTER TABLE … MODIFY COLUMN`` carrying its
  whole new definition (type, nullability, default, AUTO_INCREMENT, comment);
  enum values change the same way, as enums are inline (``ENUM('a','b')``): a
  named enum type is nothing of its own, so creating or dropping one renders
  nothing, and changing its values (``AlterEnum``) changes each column of it
  (see :meth:`MySQLRenderer.render_alter_enum`);
* MySQL has no sequences, and neither has unlogged or clustered tables; schemas
  are databases, which dbshift does not create or drop: see ``renders_nothing``
  and ``unsupported``.  MariaDB (10.3+) has sequences: :class:`MariaDBRenderer`
  creates, alters and drops them;
* AUTO_INCREMENT needs a key that starts with the column: it is taken off in
  the statement that drops the column's last such key and put back in the one
  that adds a key for it (so a primary key can change);
* comments are part of the column (``COMMENT '…'``) and of the table
  (``COMMENT = '…'``);
* constraints are dropped by kind (``DROP PRIMARY KEY``, ``DROP FOREIGN KEY``,
  ``DROP INDEX`` for a unique key, ``DROP CONSTRAINT`` for a CHECK); an unnamed
  one by the name the server gave it (see :meth:`Renderer.constraint_name`);
* a foreign key needs an index on its columns: when dropping an index (or
  unique key) would leave one without, the index InnoDB would have created
  takes its place in the same statement; when a foreign key goes, so does the
  index InnoDB created for it, and only that one (as reflection read it, see
  :mod:`dbshift.sqla.mysql`);
* indexes on expressions and partial indexes do not exist here (MariaDB has
  neither; MySQL 8's functional indexes are not supported by dbshift): they are
  refused with :class:`UnsupportedOperation`.  Prefix lengths (``name(10)``) and
  FULLTEXT/SPATIAL indexes are supported.

When the server is known (``render(op, dialect, schema, server=("mariadb",
(10, 11, 6)))``), each ALTER TABLE and CREATE INDEX states the cheapest
algorithm the server allows for its operation, as
:mod:`dbshift.core.mysql_algorithm` predicts it: ``ALGORITHM=INSTANT``, or
``ALGORITHM=INPLACE, LOCK=NONE`` (without ``LOCK=NONE`` where writes must wait),
so that the server refuses rather than copies the table should it not manage
(a column added or dropped states the least the server must manage, see
:attr:`~dbshift.core.mysql_algorithm.OnlineDDL.least`); an index is then
dropped with ``ALTER TABLE … DROP INDEX``, the form that takes the clause.  A
table copy, an unsure case, or no known server (``--sql``): no clause, the
server decides.

MySQL DDL is not transactional: each statement commits on its own.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.schema import CreateSequence, DropSequence

from ..core import model as m
from ..core import ops as o
from ..core.enum_columns import changed_column
from ..core.enum_columns import users as enum_users
from ..core.mysql_algorithm import Server, clause
from ..core.types import enum_type, mysql_comment_literal, parse_type
from ..sqla.dialect import dialect_for
from ..sqla.mysql import has_key_for, implicit_index_name, index_key, is_foreign_key_index, mariadb_sequence_options
from .base import SQLITE_TABLE_OPTIONS, VALIDATED_ALREADY, Renderer, Statement, UnsupportedOperation
from .enum_values import refuse_removed_values, rename_rows

_IDENTIFIER = re.compile(
    r"^(?P<name>[^\s()`]+|`(?:[^`]|``)+`)(?:\s*\((?P<length>\d+)\))?(?P<order>\s+(?:ASC|DESC))?$", re.I
)
# defaults MySQL takes without parentheses: literals, NULL, booleans, CURRENT_TIMESTAMP & co (with ON UPDATE)
_PLAIN_DEFAULT = re.compile(
    r"""^\s*(?:'(?:[^'\\]|''|\\.)*'|[+-]?\d+(?:\.\d+)?|null|true|false|b'[01]*'|x'[0-9a-f]*'|"""
    r"""(?:current_timestamp|now|localtimestamp|localtime)(?:\s*\(\s*\d*\s*\))?"""
    r"""(?:\s+on\s+update\s+(?:current_timestamp|now|localtimestamp|localtime)(?:\s*\(\s*\d*\s*\))?)?)\s*$""",
    re.I | re.S,
)


_INLINE_ENUMS = "a MySQL enum is inline in each column's type (ENUM('a', 'b')), not a type of its own"
_NO_SEQUENCES = "MySQL has no sequences (an AUTO_INCREMENT column numbers rows by itself)"
_DATABASES = "a MySQL schema is a database, which dbshift does not create or drop (use RunSQL)"


_NO_INHERITANCE = "MySQL has no table inheritance (PostgreSQL's INHERITS)"
_NO_PARTITIONS = "dbshift partitions tables on PostgreSQL only (PARTITION OF)"
_NO_STATISTICS = "MySQL has no extended statistics or statistics targets (PostgreSQL's CREATE STATISTICS, SET STATISTICS)"


class MySQLRenderer(Renderer):
    name = "mysql"
    supports_comments = True
    renders_nothing = {
        o.AlterTableLogging: "MySQL has no unlogged tables: every InnoDB table is logged",
        o.AlterTableCluster: "MySQL has no CLUSTER mark: InnoDB always orders a table by its primary key",
        o.CreateEnum: _INLINE_ENUMS + ": the columns that use it carry its values",
        o.DropEnum: _INLINE_ENUMS + ": it goes with the columns that use it",
        o.DropSequence: "MySQL has no sequences, so there is none to drop",
        o.AlterTableOptions: SQLITE_TABLE_OPTIONS,
        o.DropStatistics: "MySQL has no extended statistics, so there are none to drop",
        o.ValidateConstraint: VALIDATED_ALREADY,
    }
    unsupported = {
        o.CreateSequence: _NO_SEQUENCES,
        o.AlterSequence: _NO_SEQUENCES,
        o.AttachSequence: _NO_SEQUENCES,
        o.DetachSequence: _NO_SEQUENCES,
        o.CreateSchema: _DATABASES,
        o.DropSchema: _DATABASES,
        o.AlterTableInherit: _NO_INHERITANCE,
        o.AttachPartition: _NO_PARTITIONS,
        o.DetachPartition: _NO_PARTITIONS,
        o.CreateStatistics: _NO_STATISTICS,
        o.AlterColumnStatistics: _NO_STATISTICS,
    }

    def __init__(self, server: Server | None = None) -> None:
        super().__init__()
        self.server = server
        """The server statements are written for, ``("mariadb", (10, 11, 6))``; None: not known."""

    def render(self, op: o.Op, schema: m.Schema) -> list[Statement]:
        """The statements of ``op``, its ALTER TABLE and CREATE INDEX stating their algorithm (see the module)."""
        statements = super().render(op, schema)
        stated = clause(op, schema, self.server)
        if stated is None:
            return statements
        return [replace(s, sql=_with_algorithm(s.sql, stated)) if type(s) is Statement else s for s in statements]

    # --- pieces --------------------------------------------------------------------

    def default_sql(self, default: str) -> str:
        if _PLAIN_DEFAULT.match(default) or (default.startswith("(") and default.endswith(")")):
            return default
        return f"({default})"  # an expression default (MariaDB 10.2+, MySQL 8.0.13+)

    def comment_literal(self, what: str, comment: str) -> str:
        """A comment as MySQL takes it: a plain string, refused when it holds a backslash (see
        :func:`~dbshift.core.types.mysql_comment_literal`)."""
        return mysql_comment_literal(what, comment, self.name)

    def column_sql(self, column: m.Column, table: m.Table | None = None) -> str:
        parts = [self.q(column.name), self.type_sql(column.type)]
        if column.collation is not None:
            parts.append(self.collation_sql(column.collation))
        if column.computed is not None:
            parts.append(f"GENERATED ALWAYS AS ({column.computed}) {'VIRTUAL' if column.virtual else 'STORED'}")
            if not column.nullable:
                parts.append("NOT NULL")
        else:
            if not column.nullable:
                parts.append("NOT NULL")
            elif parse_type(column.type).name.startswith("mysql_timestamp"):
                parts.append("NULL")  # a TIMESTAMP is NOT NULL unless told otherwise on older servers
            if column.default is not None:
                parts.append("DEFAULT " + self.default_sql(column.default))
            if column.autoincrement or column.identity is not None:
                parts.append("AUTO_INCREMENT")
        if column.comment:
            where = f"{table.name}.{column.name}" if table is not None else f"column {column.name}"
            parts.append("COMMENT " + self.comment_literal(where, column.comment))
        return " ".join(parts)

    def collation_sql(self, collation: str) -> str:
        """A collation (``latin1_bin``), or a character set alone (``latin1``: its default collation)."""
        if "_" in collation:
            return f"COLLATE {self.q(collation)}"
        return f"CHARACTER SET {self.q(collation)}"

    def constraint_sql(self, c: m.Constraint) -> str:
        if isinstance(c, m.PrimaryKey):
            return f"PRIMARY KEY ({self.columns_list(c.columns)})"  # MySQL names it PRIMARY whatever we say
        return super().constraint_sql(c)

    def deferrable_sql(self, c: m.PrimaryKey | m.Unique | m.ForeignKey | m.Exclude) -> str:
        return ""  # MySQL checks every row at once

    def create_table_sql(self, table: m.Table, name: str | None = None) -> str:
        sql = super().create_table_sql(table, name)
        return sql + (f" COMMENT = {self.comment_literal(table.name, table.comment)}" if table.comment else "")

    def comment_statements(self, table: m.Table) -> list[str]:
        return []  # written inline

    def index_expression(self, expression: str) -> str:
        match = _IDENTIFIER.match(expression.strip())
        if match is None:
            raise ValueError(expression)
        name = match.group("name")
        name = name[1:-1].replace("``", "`") if name.startswith("`") else name
        length = f"({match.group('length')})" if match.group("length") else ""
        order = (match.group("order") or "").upper().strip()
        return self.q(name) + length + (f" {order}" if order == "DESC" else "")

    def index_sql(self, op: o.Op, table: str, schema: str | None, index: m.Index, create: bool = True) -> str:
        """``CREATE … INDEX`` (or, when not ``create``, the ``… INDEX name (keys)`` clause of a table)."""
        if index.where:
            raise UnsupportedOperation(op, self.name, f"index {index.name} is partial (WHERE {index.where}); "
                                       "MySQL and MariaDB have no partial indexes")
        if index.include:
            raise UnsupportedOperation(op, self.name, f"index {index.name} has INCLUDE columns, which MySQL lacks")
        try:
            keys = ", ".join(self.index_expression(e) for e in index.expressions)
        except ValueError as exc:
            raise UnsupportedOperation(
                op, self.name,
                f"index {index.name} is on the expression {exc}; MariaDB has no expression indexes "
                "(index a generated column instead)",
            ) from None
        kind = "UNIQUE " if index.unique else ""
        if index.using in ("fulltext", "spatial"):
            kind = index.using.upper() + " "
        elif index.using:
            raise UnsupportedOperation(op, self.name, f"index {index.name} uses {index.using}, unknown to MySQL")
        if create:
            return f"CREATE {kind}INDEX {self.q(index.name)} ON {self.table_name(table, schema)} ({keys})"
        return f"{kind}INDEX {self.q(index.name)} ({keys})"

    def create_index_sql(self, table: str, schema: str | None, index: m.Index) -> str:
        return self.index_sql(o.CreateIndex(table, index, schema), table, schema, index)

    def _alter(self, table: str, schema: str | None) -> str:
        return f"ALTER TABLE {self.table_name(table, schema)}"

    def _drop_index(self, index: str, table: str, schema: str | None) -> str:
        """``DROP INDEX … ON …``; ``ALTER TABLE … DROP INDEX …`` when the server is known, the form that
        can state an algorithm (MariaDB's DROP INDEX takes none)."""
        if self.server is not None:
            return f"{self._alter(table, schema)} DROP INDEX {self.q(index)}"
        return f"DROP INDEX {self.q(index)} ON {self.table_name(table, schema)}"

    # --- operations ------------------------------------------------------------------

    def render_create_table(self, op: o.CreateTable, schema: m.Schema) -> list:
        # indexes inline: a foreign key served by one of them gets no index of InnoDB's own
        t = op.table
        lines = [self.column_sql(c, t) for c in t.columns]
        lines += [self.constraint_sql(c) for c in t.constraints]
        lines += [self.index_sql(op, t.name, t.schema, i, create=False) for i in t.indexes]
        for fk in t.foreign_keys:
            index = _server_named_index(t, fk)
            if index is not None:
                lines.append(self.index_sql(op, t.name, t.schema, index, create=False))
                t = replace(t, indexes=t.indexes + (index,))  # serves the next key on the same columns
        sql = f"CREATE TABLE {self.table_name(t.name, t.schema)} (\n    " + ",\n    ".join(lines) + "\n)"
        return [sql + (f" COMMENT = {self.comment_literal(t.name, t.comment)}" if t.comment else "")]

    def render_rename_table(self, op: o.RenameTable, schema: m.Schema) -> list:
        return [f"RENAME TABLE {self.table_name(op.old, op.schema)} TO {self.table_name(op.new, op.schema)}"]

    def render_alter_table_comment(self, op: o.AlterTableComment, schema: m.Schema) -> list:
        return [f"{self._alter(op.table, op.schema)} COMMENT = {self.comment_literal(op.table, op.new or '')}"]

    def render_add_column(self, op: o.AddColumn, schema: m.Schema) -> list:
        return [f"{self._alter(op.table, op.schema)} ADD COLUMN {self.column_sql(op.column)}"]

    def render_alter_column(self, op: o.AlterColumn, schema: m.Schema) -> list:
        if not op.changes:
            return []
        generated = (op.old.computed is None) != (op.new.computed is None)
        if ("computed" in op.changes and generated) or "virtual" in op.changes:
            # a column becomes (or stops being) generated, or changes how: MySQL cannot MODIFY that
            return self.render_drop_column(o.DropColumn(op.table, op.old, op.schema), schema) + self.render_add_column(
                o.AddColumn(op.table, op.new, op.schema), schema
            )
        new = op.new
        table = _table(schema, op.table, op.schema)
        if _is_auto(new) and table is not None and not has_key_for(table, (new.name,)):
            new = _not_auto(new)  # AUTO_INCREMENT needs a key: the key's AddConstraint writes it
        # without strict mode MODIFY cuts, rounds and blanks values silently; the check refuses first
        return self.loss_check(op, schema) + [f"{self._alter(op.table, op.schema)} MODIFY COLUMN {self.column_sql(new)}"]

    def render_alter_enum(self, op: o.AlterEnum, schema: m.Schema) -> list:
        """``MODIFY COLUMN`` of each column of the enum type (those ``op`` names, or when it names none, each
        inline enum with exactly the old values), keeping all else the column has.

        First a check per column refuses, with a count, to remove a value rows
        still hold (MySQL would blank it, or refuse in strict mode).  A renamed
        value is moved in three steps, so no row loses it: the column is widened
        to the old values and the new, the rows are updated, and the column is
        narrowed to the new values.
        """
        found = [(t, c) for t, c in enum_users(schema, op.old, op.columns) if parse_type(c.type).is_enum]
        result: list = [g for t, c in found for g in refuse_removed_values(self, op, t, c)]
        for table, column in found:
            alter = self._alter(table.name, table.schema)
            after = changed_column(column, op.old, op.new, op.renamed)
            renames = rename_rows(self, op, table, column)
            if renames:
                held = parse_type(column.type).values
                wide = held + tuple(b for _, b in op.renamed if b not in held)
                wider = replace(column, type=enum_type(wide))
                result += [f"{alter} MODIFY COLUMN {self.column_sql(wider, table)}", *renames]
            if renames or after != column:
                result.append(f"{alter} MODIFY COLUMN {self.column_sql(after, table)}")
        return result

    def render_create_index(self, op: o.CreateIndex, schema: m.Schema) -> list:
        table = _table(schema, op.table, op.schema)
        take_over = self._take_over_foreign_key_indexes(table, _key(table, op.index))
        if take_over:
            add = self.index_sql(op, op.table, op.schema, op.index, create=False)
            return [f"{self._alter(op.table, op.schema)} ADD {add}, {take_over}"]
        return [self.index_sql(op, op.table, op.schema, op.index)]

    def render_drop_index(self, op: o.DropIndex, schema: m.Schema) -> list:
        table = _table(schema, op.table, op.schema)
        keep = self._keep_foreign_keys_indexed(table, op.index)
        if keep:
            return [f"{self._alter(op.table, op.schema)} DROP INDEX {self.q(op.index.name)}, {keep}"]
        return [self._drop_index(op.index.name, op.table, op.schema)]

    def render_add_constraint(self, op: o.AddConstraint, schema: m.Schema) -> list:
        sql = f"{self._alter(op.table, op.schema)} ADD {self.constraint_sql(op.constraint)}"
        table = _table(schema, op.table, op.schema)
        index = _server_named_index(table, op.constraint) if isinstance(op.constraint, m.ForeignKey) else None
        if index is not None:
            add_index = self.index_sql(op, op.table, op.schema, index, create=False)
            sql = f"{self._alter(op.table, op.schema)} ADD {add_index}, ADD {self.constraint_sql(op.constraint)}"
        if isinstance(op.constraint, (m.PrimaryKey, m.Unique)):
            table = _table(schema, op.table, op.schema)
            take_over = self._take_over_foreign_key_indexes(table, op.constraint.columns)
            sql += f", {take_over}" if take_over else ""
            for column in _columns_waiting_for_key(table, op.constraint.columns[0]):
                sql += f", MODIFY COLUMN {self.column_sql(column)}"  # the key AUTO_INCREMENT waited for
        return [sql]

    def render_drop_constraint(self, op: o.DropConstraint, schema: m.Schema) -> list:
        c = op.constraint
        alter = self._alter(op.table, op.schema)
        table = _table(schema, op.table, op.schema)
        if isinstance(c, m.PrimaryKey):
            # the table's one primary key, whatever name the operation gives it (MySQL's is always PRIMARY)
            c = table.primary_key if table is not None and table.primary_key is not None else c
            keep = self._keep_foreign_keys_indexed(table, c)
            return [f"{alter} {self._unkey_auto_columns(table, c)}DROP PRIMARY KEY" + (f", {keep}" if keep else "")]
        name, note = self.constraint_name(op, schema)
        if isinstance(c, m.ForeignKey):
            result = [f"{note}{alter} DROP FOREIGN KEY {self.q(name)}"]
            index = self._own_index(table, c, self.existing(op, schema), name)
            if index is not None:
                result.append(self._drop_index(index, op.table, op.schema))
            return result
        if isinstance(c, m.Unique):
            keep = self._keep_foreign_keys_indexed(table, c)
            unkey = self._unkey_auto_columns(table, c)
            return [f"{note}{alter} {unkey}DROP INDEX {self.q(name)}" + (f", {keep}" if keep else "")]
        return [f"{note}{alter} DROP CONSTRAINT {self.q(name)}"]  # a CHECK (MariaDB; MySQL 8.0.19+)

    def _own_index(
        self, table: m.Table | None, fk: m.ForeignKey, found: m.Constraint | None, name: str
    ) -> str | None:
        """The index InnoDB created for ``fk`` (called ``name`` in the database), which stays when the key is
        dropped: as reflection read it; else, when no database was read, the one InnoDB would have made,
        unless another index serves the key or holds that name."""
        if isinstance(found, m.ForeignKey) and found.own_index:
            return found.own_index
        if table is None or has_key_for(table, fk.columns):
            return None
        index = implicit_index_name(replace(fk, server_name=name), table.name)
        taken = {i.name for i in table.indexes} | {u.name or u.server_name for u in table.uniques}
        return None if index in taken else index

    def _unkey_auto_columns(self, table: m.Table | None, leaving: object) -> str:
        """``MODIFY COLUMN …, `` clauses taking AUTO_INCREMENT off the columns that lose their only key."""
        if table is None:
            return ""
        clauses = [
            f"MODIFY COLUMN {self.column_sql(_not_auto(c))}, "
            for c in table.columns
            if _is_auto(c) and has_key_for(table, (c.name,)) and not has_key_for(table, (c.name,), leaving_out=leaving)
        ]
        return "".join(clauses)

    def _take_over_foreign_key_indexes(self, table: m.Table | None, key: tuple[str, ...]) -> str:
        """``DROP INDEX …`` clauses for the foreign keys' own indexes that a new ``key`` makes unneeded.

        InnoDB drops an index it created itself when a new one can serve, but not
        one dbshift added in its place (see :meth:`_keep_foreign_keys_indexed`), so
        both are dropped in the statement that adds the new key.
        """
        if table is None:
            return ""
        clauses = []
        for fk in table.foreign_keys:
            name = fk.own_index or implicit_index_name(fk, table.name)
            if not has_key_for(table, fk.columns) and key[: len(fk.columns)] == tuple(fk.columns):
                clauses.append(f"DROP INDEX {self.q(name)}")
        return ", ".join(clauses)

    def _keep_foreign_keys_indexed(self, table: m.Table | None, leaving: object) -> str:
        """``ADD INDEX …`` clauses for the foreign keys that would lose their only index with ``leaving``."""
        if table is None:
            return ""
        clauses = []
        for fk in table.foreign_keys:
            if has_key_for(table, fk.columns) and not has_key_for(table, fk.columns, leaving_out=leaving):
                name = implicit_index_name(fk, table.name)
                clauses.append(f"ADD INDEX {self.q(name)} ({self.columns_list(fk.columns)})")
        return ", ".join(clauses)


_SERIAL = ("MariaDB has no serial columns whose sequence could be attached or detached: a column takes a "
           "sequence's values with DEFAULT nextval(seq), or numbers rows with AUTO_INCREMENT")


class MariaDBRenderer(MySQLRenderer):
    """A MariaDB server: the same SQL, and sequences (MariaDB 10.3+) created, altered and dropped.

    A sequence's options are written with MariaDB's defaults filled in where the
    model leaves them out (see :func:`~dbshift.sqla.mysql.mariadb_sequence`); it has
    no data type.  CREATE and DROP come from SQLAlchemy's compiler; ALTER moves the
    current value into a range that now starts past it first (forward only, as
    ``SETVAL`` never goes back), as MariaDB refuses the change otherwise, and
    restarts a sequence that now counts the other way at its start.
    """

    name = "mariadb"
    renders_nothing = {k: why for k, why in MySQLRenderer.renders_nothing.items() if k is not o.DropSequence}
    unsupported = {
        **{k: why for k, why in MySQLRenderer.unsupported.items() if k not in (o.CreateSequence, o.AlterSequence)},
        o.AttachSequence: _SERIAL,
        o.DetachSequence: _SERIAL,
    }

    def render_backfill(self, op: o.Backfill, schema: m.Schema) -> list:
        """In batches (``batch_size``): a block that fills that many rows at a time, committing each batch,
        until a batch fills none; run outside the migration's transaction."""
        if op.batch_size is None:
            return super().render_backfill(op, schema)
        column = self.q(op.column)
        body = (f"BEGIN NOT ATOMIC\n    DECLARE done BIGINT DEFAULT 1;\n    WHILE done > 0 DO\n"
                f"        UPDATE {self.table_name(op.table, op.schema)} SET {column} = {op.value} "
                f"WHERE {column} IS NULL LIMIT {int(op.batch_size)};\n"
                "        SET done = ROW_COUNT();\n        COMMIT;\n    END WHILE;\nEND")
        return [Statement(body, transactional=False)]

    def render_create_sequence(self, op: o.CreateSequence, schema: m.Schema) -> list:
        s = op.sequence
        sequence = sa.Sequence(s.name, start=s.start, increment=s.increment, minvalue=s.minvalue,
                               maxvalue=s.maxvalue, cycle=s.cycle or None, cache=s.cache, schema=s.schema)
        return [str(CreateSequence(sequence).compile(dialect=dialect_for(self.name)))]

    def render_drop_sequence(self, op: o.DropSequence, schema: m.Schema) -> list:
        sequence = sa.Sequence(op.sequence.name, schema=op.sequence.schema)
        return [str(DropSequence(sequence).compile(dialect=dialect_for(self.name)))]

    def render_alter_sequence(self, op: o.AlterSequence, schema: m.Schema) -> list:
        old, new = mariadb_sequence_options(op.old), mariadb_sequence_options(op.new)
        name = self.table_name(op.new.name, op.new.schema)
        clauses = {"increment": "INCREMENT BY {}", "minvalue": "MINVALUE {}", "maxvalue": "MAXVALUE {}",
                   "start": "START WITH {}", "cache": "CACHE {}"}
        parts = [clause.format(new[k]) for k, clause in clauses.items() if new[k] != old[k]]
        if new["cycle"] != old["cycle"]:
            parts.append("CYCLE" if new["cycle"] else "NOCYCLE")
        moves = []
        ascending = int(new["increment"]) > 0
        if ascending != (int(old["increment"]) > 0):
            parts.append(f"RESTART WITH {new['start']}")  # it counts the other way now: from its start
        elif ascending and new["minvalue"] > old["minvalue"]:
            moves.append(f"SELECT SETVAL({name}, {new['minvalue']}, 0)")
        elif not ascending and new["maxvalue"] < old["maxvalue"]:
            moves.append(f"SELECT SETVAL({name}, {new['maxvalue']}, 0)")
        return moves + ([f"ALTER SEQUENCE {name} {' '.join(parts)}"] if parts else [])


def _with_algorithm(sql: str, stated: str) -> str:
    """``sql`` stating ``stated`` (``ALGORITHM=INPLACE, LOCK=NONE``) when it is an ALTER TABLE or a CREATE
    INDEX (where the options follow without commas), else as it is."""
    if sql.startswith("ALTER TABLE "):
        return f"{sql}, {stated}"
    if re.match(r"CREATE (?:UNIQUE |FULLTEXT |SPATIAL )?INDEX ", sql):
        return f"{sql} {stated.replace(',', '')}"
    return sql


def _server_named_index(table: m.Table | None, fk: m.ForeignKey) -> m.Index | None:
    """The index to write with a foreign key named as the server names one (``t_ibfk_N``) that no key serves.

    InnoDB names the index it makes for a foreign key after the constraint when the statement names
    the constraint, but after its first column when it does not (as ``create_all()`` writes it):
    writing that index by hand keeps both kinds of database alike and lets dropping the key find it
    (see :func:`~dbshift.sqla.mysql.implicit_index_name`).
    """
    if table is None or not fk.name:  # an unnamed key: InnoDB names its index after the first column by itself
        return None
    name = implicit_index_name(fk, table.name)
    if name == fk.name or has_key_for(table, fk.columns):
        return None
    taken = {i.name.lower() for i in table.indexes} | {(u.name or "").lower() for u in table.uniques}
    return None if name.lower() in taken else m.Index(name, fk.columns)


def _is_auto(column: m.Column) -> bool:
    return column.autoincrement or column.identity is not None


def _columns_waiting_for_key(table: m.Table | None, leading: str) -> list[m.Column]:
    """The AUTO_INCREMENT column ``leading`` when it has no key yet: a new key starting with it lets it be one."""
    if table is None:
        return []
    return [c for c in table.columns if c.name == leading and _is_auto(c) and not has_key_for(table, (c.name,))]


def _not_auto(column: m.Column) -> m.Column:
    return replace(column, autoincrement=False, identity=None)


def _key(table: m.Table | None, index: m.Index) -> tuple[str, ...]:
    return index_key(index, table.column_names) if table is not None else ()


def _table(schema: m.Schema, name: str, schema_name: str | None) -> m.Table | None:
    key = m.qualified(name, schema_name)
    return schema.table(key) if schema.has_table(key) else None


__all__ = ["MySQLRenderer", "MariaDBRenderer", "is_foreign_key_index"]

"""MySQL and MariaDB reflection in five ``information_schema`` queries, whatever the number of tables.

Tables (with comments), columns, index columns (``STATISTICS``: primary key,
unique keys and indexes), foreign-key columns (``KEY_COLUMN_USAGE`` joined
with ``REFERENTIAL_CONSTRAINTS`` for the actions) and CHECK constraints are
each read with one query for the database(s) asked for, then assembled in
Python.

How MySQL's catalog maps onto the model:

* ``COLUMN_TYPE`` goes through :func:`~dbshift.sqla.types.canonical`
  (``int(11)`` → ``integer``, ``tinyint(1)`` → ``boolean``, ``datetime`` →
  ``timestamp``, ``enum('a','b')`` → an inline enum…).  MariaDB stores JSON as
  ``longtext`` with a column CHECK ``json_valid(`col`)``: that pair is the
  ``json`` type, and the CHECK is not reported as a constraint.
* Every text column's collation is reported by name (``utf8mb4_general_ci``);
  the comparison (:mod:`dbshift.sqla.normalize`) only holds a column to the
  collation or character set its model names.
* Defaults keep MySQL's own spelling (MariaDB quotes literals since 10.2.7 and
  says ``NULL`` for none; MySQL 8 gives literals bare, which are quoted here).
  ``ON UPDATE current_timestamp()`` (in ``EXTRA``) is appended to the default,
  the way SQLAlchemy models write it.
* The primary key has no name (MySQL calls every one ``PRIMARY``).  A unique
  index over whole columns is a :class:`~dbshift.core.model.Unique` (MySQL has
  no other kind of unique constraint); one with prefix lengths, a descending
  column or a FULLTEXT/SPATIAL method stays an index.  The index InnoDB
  creates by itself for a foreign key is left out, its name kept on the key
  (see :mod:`dbshift.sqla.mysql`).
* A name MySQL chose itself (``t_ibfk_1``, ``CONSTRAINT_1``, a unique key named
  after its first column) reads as no name (see :mod:`dbshift.sqla.server_names`).
* ``RESTRICT`` and ``NO ACTION`` (the same thing in InnoDB) are no action.
* MariaDB 10.3+ keeps a sequence as a table of type ``SEQUENCE``: it is never
  a table here, but a :class:`~dbshift.core.model.Sequence`, listed with the
  tables and read with one more query (every sequence's options in one
  ``UNION ALL``; none when there is no sequence), its
  options at MariaDB's defaults held as none (see
  :func:`~dbshift.sqla.mysql.mariadb_sequence`).  A default taking the next
  value of one (``nextval(`db`.`seq`)``) names the current database's sequence
  without the database, as the models write it.

``schemas``: ``None`` is the connection's current database (``DATABASE()``),
whose tables get ``schema=None``; any other name is another database on the
same server.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlalchemy as sa

from ...core import model as m
from ..mysql import mariadb_sequence, own_indexes
from ..server_names import C, as_unnamed, mysql_server_named
from ..types import canonical, mysql_quote
from ...core.sqltext import strip_outer_parens
from .catalog import ConnectionCatalog
from ._common import excluded, rows_of, sorted_checks, sorted_fks, sorted_indexes, sorted_uniques

DIALECT = "mysql"

# which databases: the current one (``DATABASE()``) and/or the named ones
_WHERE = "{column} IN :names OR (:current = 1 AND {column} = DATABASE())"

TABLES = f"""
SELECT t.TABLE_SCHEMA AS db, t.TABLE_NAME AS name, t.TABLE_COMMENT AS comment, DATABASE() AS current_db,
       t.TABLE_TYPE = 'SEQUENCE' AS is_sequence
FROM information_schema.TABLES t
WHERE ({_WHERE.format(column="t.TABLE_SCHEMA")})
  AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE')
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME
"""

COLUMNS = f"""
SELECT c.TABLE_SCHEMA AS db, c.TABLE_NAME AS table_name, c.COLUMN_NAME AS name, c.ORDINAL_POSITION AS position,
       c.COLUMN_TYPE AS column_type, c.DATA_TYPE AS data_type, c.IS_NULLABLE AS is_nullable,
       c.COLUMN_DEFAULT AS column_default, c.EXTRA AS extra, c.GENERATION_EXPRESSION AS generation_expression,
       c.COLUMN_COMMENT AS comment, c.COLLATION_NAME AS collation
FROM information_schema.COLUMNS c
WHERE {_WHERE.format(column="c.TABLE_SCHEMA")}
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
"""

INDEXES = """
SELECT s.TABLE_SCHEMA AS db, s.TABLE_NAME AS table_name, s.INDEX_NAME AS name, s.NON_UNIQUE AS non_unique,
       s.SEQ_IN_INDEX AS seq, s.COLUMN_NAME AS column_name, s.COLLATION AS collation, s.SUB_PART AS sub_part,
       s.INDEX_TYPE AS index_type, {expression} AS expression
FROM information_schema.STATISTICS s
WHERE {where}
ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX
"""

# a foreign key's columns, then its actions: two queries joined in Python (MariaDB fills the second
# information_schema table again for each row of the first when they are joined in SQL)
FOREIGN_KEYS = f"""
SELECT k.TABLE_SCHEMA AS db, k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS column_name,
       k.ORDINAL_POSITION AS position, k.REFERENCED_TABLE_SCHEMA AS ref_db,
       k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column
FROM information_schema.KEY_COLUMN_USAGE k
WHERE ({_WHERE.format(column="k.TABLE_SCHEMA")}) AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""

FOREIGN_KEY_RULES = f"""
SELECT r.CONSTRAINT_SCHEMA AS db, r.TABLE_NAME AS table_name, r.CONSTRAINT_NAME AS name,
       r.UPDATE_RULE AS update_rule, r.DELETE_RULE AS delete_rule
FROM information_schema.REFERENTIAL_CONSTRAINTS r
WHERE {_WHERE.format(column="r.CONSTRAINT_SCHEMA")}
"""

# MariaDB: CHECK_CONSTRAINTS has TABLE_NAME (names are unique per table) and LEVEL
# ('Column' for a check written on a column, which is how JSON's json_valid comes).
CHECKS_MARIADB = f"""
SELECT cc.CONSTRAINT_SCHEMA AS db, cc.TABLE_NAME AS table_name, cc.CONSTRAINT_NAME AS name,
       cc.CHECK_CLAUSE AS clause, {{level}} AS level
FROM information_schema.CHECK_CONSTRAINTS cc
WHERE {_WHERE.format(column="cc.CONSTRAINT_SCHEMA")}
"""

# MySQL 8.0.16+: names are unique per database; the table comes from TABLE_CONSTRAINTS.
# MariaDB 10.3+: a sequence is a table of type SEQUENCE (listed by TABLES, never made a table); its
# options are read from the sequence itself, all of them in one UNION ALL query (see _sequences)
SEQUENCE_OPTIONS = """
SELECT :db_{n} AS db, :name_{n} AS name, s.start_value, s.increment, s.minimum_value, s.maximum_value,
       s.cycle_option, s.cache_size
FROM {table} s"""

CHECKS_MYSQL = f"""
SELECT tc.TABLE_SCHEMA AS db, tc.TABLE_NAME AS table_name, cc.CONSTRAINT_NAME AS name,
       cc.CHECK_CLAUSE AS clause, 'Table' AS level
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE ({_WHERE.format(column="tc.TABLE_SCHEMA")}) AND tc.CONSTRAINT_TYPE = 'CHECK'
"""

_NO_ACTION = {"RESTRICT", "NO ACTION", ""}
_BARE_DEFAULT_TYPES = {
    "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double",
    "real", "bit", "year",
}
_ON_UPDATE = re.compile(r"\bon update (.+)$", re.I)


@dataclass
class _Table:
    """A table as its rows arrive from information_schema, frozen into a model table at the end."""

    db: str
    name: str
    schema: str | None
    comment: str | None
    columns: list[m.Column] = field(default_factory=list)
    json_columns: set[str] = field(default_factory=set)
    primary_key: m.PrimaryKey | None = None
    foreign_keys: list[m.ForeignKey] = field(default_factory=list)
    uniques: list[m.Unique] = field(default_factory=list)
    checks: list[m.Check] = field(default_factory=list)
    indexes: list[m.Index] = field(default_factory=list)
    column_checks: set[str] = field(default_factory=set)  # CHECKs written on a column (MariaDB names them after it)

    def freeze(self) -> m.Table:
        fks, indexes = own_indexes(self.foreign_keys, self.indexes, self.name)
        checks = [_named(self, c, column_check=c.name in self.column_checks) for c in self.checks]
        return m.Table(
            name=self.name,
            columns=tuple(self.columns),
            primary_key=self.primary_key,
            foreign_keys=sorted_fks(fks),
            uniques=sorted_uniques(self.uniques),
            checks=sorted_checks(checks),
            indexes=sorted_indexes(indexes),
            comment=self.comment,
            schema=self.schema,
        )


def reflect(catalog: ConnectionCatalog, *, schemas: tuple[str | None, ...], exclude: frozenset[str]) -> m.Schema:
    connection = catalog.connection  # the statements take SQLAlchemy's expanding parameters
    dialect = connection.dialect
    mariadb = bool(getattr(dialect, "is_mariadb", False))
    version = tuple(getattr(dialect, "server_version_info", None) or ())
    names = sorted({s for s in schemas if s})
    params = {"names": names or [""], "current": 1 if None in schemas else 0}

    def rows(query: str) -> Sequence[Any]:
        statement = sa.text(query).bindparams(sa.bindparam("names", expanding=True))
        return rows_of(connection, statement, params)

    tables: dict[tuple[str, str], _Table] = {}
    current_db = None
    found_sequences = []
    for row in rows(TABLES):
        current_db = row.current_db
        if row.is_sequence:
            found_sequences.append(row)
            continue
        schema = None if (None in schemas and row.db == row.current_db) else row.db
        tables[(row.db, row.name)] = _Table(row.db, row.name, schema, row.comment or None)

    checks = _checks_query(mariadb, version)
    for row in rows(checks) if checks else []:
        table = tables.get((row.db, row.table_name))
        if table is not None:
            _check(table, row)

    for row in rows(COLUMNS):
        table = tables.get((row.db, row.table_name))
        if table is not None:
            table.columns.append(_column(row, table, mariadb))

    by_fk: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for row in rows(FOREIGN_KEYS):
        by_fk[(row.db, row.table_name, row.name)].append(row)
    rules = {(r.db, r.table_name, r.name): r for r in rows(FOREIGN_KEY_RULES)} if by_fk else {}
    for (db, table_name, name), fk_rows in by_fk.items():
        table = tables.get((db, table_name))
        rule = rules.get((db, table_name, name))
        if table is not None and rule is not None:
            fk = _foreign_key(fk_rows, rule, current_db if None in schemas else None)
            table.foreign_keys.append(_named(table, fk))

    expression = "NULL" if mariadb or version < (8, 0, 13) else "s.EXPRESSION"
    index_query = INDEXES.format(expression=expression, where=_WHERE.format(column="s.TABLE_SCHEMA"))
    by_index: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for row in rows(index_query):
        by_index[(row.db, row.table_name, row.name)].append(row)
    for (db, table_name, name), index_rows in by_index.items():
        table = tables.get((db, table_name))
        if table is not None:
            _index(table, name, index_rows)

    sequences = _sequences(connection, found_sequences, None in schemas)
    return m.Schema.of(
        (t.freeze() for t in tables.values() if not excluded(t.name, t.schema, exclude)),
        sequences=(s for s in sequences if not excluded(s.name, s.schema, exclude)),
    )


def _sequences(connection: sa.engine.Connection, found: list[Any], current: bool) -> list[m.Sequence]:
    """The sequences ``found`` (rows of :data:`TABLES`), their options read in one query (none when none).

    ``current``: the connection's database is the model's default schema.
    """
    if not found:
        return []
    quote = connection.dialect.identifier_preparer.quote
    parts: list[str] = []
    params: dict[str, str] = {}
    for n, row in enumerate(found):
        parts.append(SEQUENCE_OPTIONS.format(n=n, table=f"{quote(row.db)}.{quote(row.name)}"))
        params |= {f"db_{n}": row.db, f"name_{n}": row.name}
    result = []
    for row in connection.execute(sa.text("\nUNION ALL".join(parts)), params):
        schema = None if current and row.db == found[0].current_db else row.db
        result.append(mariadb_sequence(
            row.name, schema, start=int(row.start_value), increment=int(row.increment),
            minvalue=int(row.minimum_value), maxvalue=int(row.maximum_value), cycle=bool(row.cycle_option),
            cache=int(row.cache_size),
        ))
    return result


def _named(table: _Table, constraint: C, column_check: bool = False) -> C:
    """A name MySQL chose itself (the constraint was made unnamed) reads as no name; the real one is kept."""
    columns = [c.name for c in table.columns]
    if mysql_server_named(constraint, table.name, columns, column_check):
        return as_unnamed(constraint)
    return constraint


def _checks_query(mariadb: bool, version: tuple) -> str | None:
    if mariadb:
        if version and version < (10, 2, 22):
            return None  # no CHECK_CONSTRAINTS table yet
        level = "cc.LEVEL" if not version or version >= (10, 5, 10) else "'Table'"
        return CHECKS_MARIADB.format(level=level)
    if version and version < (8, 0, 16):
        return None  # MySQL before 8.0.16 parses CHECK and ignores it
    return CHECKS_MYSQL


def _check(table: _Table, row: Any) -> None:
    clause = strip_outer_parens(row.clause or "")
    json = re.fullmatch(r"json_valid\(`((?:[^`]|``)+)`\)", clause.strip(), re.I)
    if json and (row.level == "Column" or row.name == json.group(1)):
        table.json_columns.add(json.group(1).replace("``", "`"))  # MariaDB's JSON type: not a constraint
        return
    table.checks.append(m.Check(clause, row.name))
    if row.level == "Column":
        table.column_checks.add(row.name)


def _column(row: Any, table: _Table, mariadb: bool) -> m.Column:
    type_ = canonical(DIALECT, row.column_type)
    if type_ == "longtext" and row.name in table.json_columns:
        type_ = "json"
    extra = (row.extra or "").strip()
    computed = None
    default = _default(row, mariadb)
    if default is not None and table.schema is None and not default.startswith("'"):
        default = default.replace(f"`{table.db}`.", "")  # MariaDB: nextval(`db`.`seq`) names the database
    virtual = False
    if row.generation_expression and "generated" in extra.lower():
        computed, default = row.generation_expression, None
        virtual = "virtual" in extra.lower()
    on_update = _ON_UPDATE.search(extra)
    if on_update and default is not None:
        default = f"{default} ON UPDATE {on_update.group(1)}"
    return m.Column(
        name=row.name,
        type=type_,
        nullable=row.is_nullable == "YES",
        default=default,
        autoincrement="auto_increment" in extra.lower(),
        computed=computed,
        virtual=virtual,
        comment=row.comment or None,
        collation=None if type_ == "json" else row.collation,  # MariaDB's JSON is LONGTEXT utf8mb4_bin
    )


def _default(row: Any, mariadb: bool) -> str | None:
    """The default as MySQL would take it back: literals quoted, expressions as they are."""
    value = row.column_default
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if mariadb:
        return None if value == "NULL" else value  # MariaDB: 'NULL' (text) is none, "'NULL'" the string
    extra = (row.extra or "").upper()
    if "DEFAULT_GENERATED" in extra:
        return value  # an expression (MySQL 8)
    if row.data_type.lower() in _BARE_DEFAULT_TYPES:
        return value
    return mysql_quote(value)


def _foreign_key(rows: list[Any], rule: Any, default_db: str | None) -> m.ForeignKey:
    """A foreign key from its KEY_COLUMN_USAGE ``rows`` and its REFERENTIAL_CONSTRAINTS ``rule``;
    ``default_db``: the database whose tables have no schema in the model."""
    first = rows[0]
    ref_schema = None if first.ref_db == default_db else first.ref_db
    return m.ForeignKey(
        columns=tuple(r.column_name for r in rows),
        ref_table=first.ref_table,
        ref_columns=tuple(r.ref_column for r in rows),
        name=first.name,
        ref_schema=ref_schema,
        on_delete=None if (rule.delete_rule or "") in _NO_ACTION else rule.delete_rule,
        on_update=None if (rule.update_rule or "") in _NO_ACTION else rule.update_rule,
    )


def _index(table: _Table, name: str, rows: list[Any]) -> None:
    if name == "PRIMARY":
        table.primary_key = m.PrimaryKey(tuple(r.column_name for r in rows))
        return
    method = (rows[0].index_type or "BTREE").upper()
    using = None if method in ("BTREE", "HASH") else method.lower()  # FULLTEXT, SPATIAL
    unique = not int(rows[0].non_unique)
    plain = all(r.column_name is not None and r.sub_part is None and r.collation != "D" for r in rows)
    if unique and plain and using is None:
        table.uniques.append(_named(table, m.Unique(tuple(r.column_name for r in rows), name)))
        return
    expressions = []
    for r in rows:
        if r.column_name is None:  # MySQL 8 functional key part
            text = f"({r.expression})"
        else:
            text = r.column_name + (f"({r.sub_part})" if r.sub_part is not None else "")
        expressions.append(text + (" DESC" if r.collation == "D" else ""))
    table.indexes.append(m.Index(name=name, expressions=tuple(expressions), unique=unique, using=using))

"""SQLite reflection in four queries per schema, whatever the number of tables.

The table-valued pragmas (``pragma_table_xinfo``, ``pragma_foreign_key_list``,
``pragma_index_list`` + ``pragma_index_xinfo``) are joined with
``sqlite_master`` so each reads every table at once; what the pragmas do not
report (constraint names, CHECKs, deferrability, generated expressions, index
expressions and predicates) comes from the stored SQL text, read by
:mod:`._sqlite_ddl`.  With ``remember``, tables whose ``sqlite_master`` was read before, to the byte, come
back from it after that first query: SQLite derives everything the pragmas report from that text.

``schemas``: ``None`` (or ``"main"``) is the main database, whose tables get
``schema=None``; any other name is an attached database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

import sqlalchemy as sa

from ...core import model as m
from ..types import canonical
from .catalog import ConnectionCatalog
from ._common import excluded, rows_of, sorted_checks, sorted_fks, sorted_indexes, sorted_uniques
from ._sqlite_ddl import ParsedForeignKey, ParsedTable, parse_create_index, parse_create_table

if TYPE_CHECKING:
    from . import Remember

DIALECT = "sqlite"
DEFAULT_SCHEMA = "main"

_USER_TABLE = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

MASTER = """
SELECT m.type, m.name, m.tbl_name, m.sql FROM {schema}.sqlite_master m
WHERE m.type IN ('table', 'index') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
"""

COLUMNS = f"""
SELECT m.name AS table_name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM {{schema}}.sqlite_master m JOIN pragma_table_xinfo(m.name, :schema) p
WHERE {_USER_TABLE}
ORDER BY m.name, p.cid
"""

FOREIGN_KEYS = f"""
SELECT m.name AS table_name, p.id, p.seq, p."table" AS ref_table, p."from" AS column_name, p."to" AS ref_column,
       p.on_update, p.on_delete
FROM {{schema}}.sqlite_master m JOIN pragma_foreign_key_list(m.name, :schema) p
WHERE {_USER_TABLE}
ORDER BY m.name, p.id, p.seq
"""

INDEXES = f"""
SELECT m.name AS table_name, il.name AS index_name, il."unique", il.origin, il.partial,
       ix.seqno, ix.cid, ix.name AS column_name, ix."desc"
FROM {{schema}}.sqlite_master m
JOIN pragma_index_list(m.name, :schema) il
JOIN pragma_index_xinfo(il.name, :schema) ix
WHERE {_USER_TABLE} AND ix."key" = 1
ORDER BY m.name, il.name, ix.seqno
"""

_ACTIONS = {"NO ACTION": None, "": None}


@dataclass
class _Table:
    """A table as the pragmas and its CREATE TABLE text describe it, frozen into a model table at the end."""

    name: str
    schema: str | None
    parsed: ParsedTable
    columns: list[m.Column] = field(default_factory=list)
    pk: list[tuple[int, str]] = field(default_factory=list)  # (position in key, column)
    declared: dict[str, str] = field(default_factory=dict)  # column -> declared type text
    foreign_keys: list[m.ForeignKey] = field(default_factory=list)
    uniques: list[m.Unique] = field(default_factory=list)
    indexes: list[m.Index] = field(default_factory=list)

    @property
    def pk_columns(self) -> tuple[str, ...]:
        return tuple(name for _, name in sorted(self.pk))

    def freeze(self) -> m.Table:
        pk = m.PrimaryKey(self.pk_columns, self.parsed.primary_key_name) if self.pk else None
        return m.Table(
            name=self.name,
            columns=tuple(self.columns),
            primary_key=pk,
            foreign_keys=sorted_fks(self.foreign_keys),
            uniques=sorted_uniques(self.uniques),
            checks=sorted_checks(m.Check(text, name) for name, text in self.parsed.checks),
            indexes=sorted_indexes(self.indexes),
            schema=self.schema,
            options=m.TableOptions(self.parsed.without_rowid, self.parsed.strict, self.parsed.autoincrement),
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reflect(
    catalog: ConnectionCatalog, *, schemas: tuple[str | None, ...], exclude: frozenset[str],
    remember: Remember | None = None,
) -> m.Schema:
    connection = catalog.connection  # the statements quote through SQLAlchemy
    tables: list[m.Table] = []
    for database in dict.fromkeys(s or DEFAULT_SCHEMA for s in schemas):
        tables.extend(_reflect_database(connection, database, exclude, remember))
    return m.Schema.of(tables)


def _reflect_database(
    connection: sa.engine.Connection, database: str, exclude: frozenset[str], remember: Remember | None
) -> list[m.Table]:
    schema = None if database == DEFAULT_SCHEMA else database
    params = {"schema": database}

    def rows(query: str) -> Sequence[Any]:
        return rows_of(connection, sa.text(query.format(schema=_quote(database))), params)

    master = rows(MASTER)
    if remember is None:
        return _read_tables(rows, master, schema, exclude)
    version = connection.dialect.server_version_info  # the SQLite library the driver runs, whose pragmas answer
    fingerprint = repr((version, database, sorted(exclude), [tuple(row) for row in master]))
    return remember(fingerprint, lambda: _read_tables(rows, master, schema, exclude))


def _read_tables(
    rows: Callable[[str], Sequence[Any]], master: Sequence[Any], schema: str | None, exclude: frozenset[str]
) -> list[m.Table]:
    """The tables of one database, from its ``sqlite_master`` rows and the pragmas' (``rows`` of a query)."""
    all_tables: dict[str, _Table] = {}  # every table, excluded ones too (FKs may point at them)
    index_sql: dict[str, str | None] = {}
    for row in master:
        if row.type == "index":
            index_sql[row.name] = row.sql
        elif not (row.sql or "").lstrip().upper().startswith("CREATE VIRTUAL"):
            all_tables[row.name] = _Table(row.name, schema, parse_create_table(row.sql))

    for row in rows(COLUMNS):
        table = all_tables.get(row.table_name)
        if table is None or row.hidden == 1:  # hidden 1: a virtual table's hidden column
            continue
        if row.pk:
            table.pk.append((row.pk, row.name))
        table.declared[row.name] = row.type or ""
        table.columns.append(_column(row, table))
    for table in all_tables.values():
        _mark_rowid_alias(table)

    by_fk: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for row in rows(FOREIGN_KEYS):
        by_fk[(row.table_name, row.id)].append(row)
    for (table_name, _), fk_rows in by_fk.items():
        table = all_tables.get(table_name)
        if table is not None:
            table.foreign_keys.append(_foreign_key(table, fk_rows, all_tables))

    by_index: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows(INDEXES):
        by_index[(row.table_name, row.index_name)].append(row)
    for (table_name, index_name), index_rows in by_index.items():
        table = all_tables.get(table_name)
        if table is not None:
            _index(table, index_name, index_rows, index_sql.get(index_name))

    return [t.freeze() for t in all_tables.values() if not excluded(t.name, schema, exclude)]


def _column(row: Any, table: _Table) -> m.Column:
    computed = None
    default = row.dflt_value
    if row.hidden in (2, 3):  # generated: 2 virtual, 3 stored
        # the expression is only in the CREATE TABLE text (None if that could not be read)
        computed = table.parsed.generated.get(row.name)
        default = None
    return m.Column(
        name=row.name,
        type=canonical(DIALECT, row.type or ""),
        nullable=not row.notnull and not row.pk,
        default=default,
        computed=computed,
        virtual=row.hidden == 2,
        collation=_collation(table.parsed.collations.get(row.name)),
    )


def _collation(name: str | None) -> str | None:
    """BINARY is the default collation: no collation."""
    return None if name is None or name.upper() == "BINARY" else name


def _mark_rowid_alias(table: _Table) -> None:
    """A lone ``INTEGER PRIMARY KEY`` is the rowid: it numbers itself."""
    if len(table.pk) != 1 or table.parsed.without_rowid:
        return
    name = table.pk[0][1]
    for i, column in enumerate(table.columns):
        if column.name == name and table.declared.get(name, "").strip().upper() == "INTEGER":
            table.columns[i] = replace(column, autoincrement=True)


def _foreign_key(table: _Table, rows: list[Any], tables: dict[str, _Table]) -> m.ForeignKey:
    columns = tuple(r.column_name for r in rows)
    ref_table = rows[0].ref_table
    ref_columns = tuple(r.ref_column for r in rows)
    if any(c is None for c in ref_columns):  # REFERENCES t without columns: t's primary key
        target = _find(tables, ref_table)
        ref_columns = target.pk_columns if target is not None else ()
    parsed = _match_fk(table.parsed, columns, ref_table, ref_columns)
    return m.ForeignKey(
        columns=columns,
        ref_table=ref_table,
        ref_columns=ref_columns,
        name=parsed.name if parsed else None,
        ref_schema=table.schema,
        on_delete=_ACTIONS.get(rows[0].on_delete.upper(), rows[0].on_delete.upper()),
        on_update=_ACTIONS.get(rows[0].on_update.upper(), rows[0].on_update.upper()),
        deferrable=parsed.deferrable if parsed else False,
        initially_deferred=parsed.initially_deferred if parsed else False,
    )


def _find(tables: dict[str, _Table], name: str) -> _Table | None:
    if name in tables:
        return tables[name]
    lowered = name.lower()  # SQLite names are case-insensitive
    return next((t for key, t in tables.items() if key.lower() == lowered), None)


def _fold(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n.lower() for n in names)


def _match_fk(
    parsed: ParsedTable, columns: tuple[str, ...], ref_table: str, ref_columns: tuple[str, ...]
) -> ParsedForeignKey | None:
    """The parsed FOREIGN KEY clause for a pragma's foreign key (each clause used once)."""
    candidates = [
        fk for fk in parsed.foreign_keys
        if _fold(fk.columns) == _fold(columns) and fk.ref_table.lower() == ref_table.lower()
    ]
    exact = [fk for fk in candidates if not fk.ref_columns or _fold(fk.ref_columns) == _fold(ref_columns)]
    chosen = next(iter(exact or candidates), None)
    if chosen is not None:
        parsed.foreign_keys.remove(chosen)
    return chosen


def _index(table: _Table, name: str, rows: list[Any], sql: str | None) -> None:
    origin = rows[0].origin
    if origin == "pk" or (name.startswith("sqlite_autoindex_") and origin != "u"):
        return
    columns = tuple(r.column_name if r.cid != -1 else "rowid" for r in rows)
    if origin == "u":
        table.uniques.append(m.Unique(columns, _unique_name(table.parsed, columns)))
        return
    # only the CREATE INDEX text has an expression's text and a predicate: read it for those alone
    parsed = parse_create_index(sql) if rows[0].partial or any(r.cid == -2 for r in rows) else None
    expressions = []
    for position, row in enumerate(rows):
        if row.cid == -2 and parsed is not None:  # an expression: only the CREATE INDEX text has it
            text = parsed.expressions[position] if position < len(parsed.expressions) else "?"
        elif row.cid == -1:
            text = "rowid"
        else:
            text = row.column_name
        expressions.append(text + " DESC" if row.desc else text)
    table.indexes.append(
        m.Index(
            name=name,
            expressions=tuple(expressions),
            unique=bool(rows[0].unique),
            where=parsed.where if parsed is not None and rows[0].partial else None,
        )
    )


def _unique_name(parsed: ParsedTable, columns: tuple[str, ...]) -> str | None:
    for i, (name, cols) in enumerate(parsed.uniques):
        if _fold(cols) == _fold(columns):
            del parsed.uniques[i]
            return name
    return None

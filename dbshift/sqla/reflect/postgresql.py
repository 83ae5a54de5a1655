"""PostgreSQL reflection in eight catalog queries, whatever the number of tables.

Tables, columns, constraints, indexes, extended statistics, enum types, sequences and
schemas are each read with one query filtered by the list of schemas, then joined in
Python by the table's oid.  Objects that belong to an extension are left out (they
are the extension's, not the application's).  A constraint name PostgreSQL chose
itself (``t_pkey``, ``t_a_fkey``…) reads as no name (see :mod:`dbshift.sqla.server_names`).

Inheritance and partitions are read as PostgreSQL keeps them: a table's parents
(``INHERITS``, in order), a partitioned table's ``PARTITION BY`` clause, a
partition's parent and bound.  What a table only has from its parents is the
parents': columns it does not declare itself are listed in ``inherited_columns``,
and the constraints and indexes a partition holds as copies of its parent's are
not read as its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ...core import model as m
from ...core.types import enum_type
from ..exclusion import parse_exclude
from ..server_names import as_unnamed, pg_chose, pg_server_named
from ..types import canonical
from ...core.sqltext import strip_outer_parens
from .catalog import Catalog
from ._common import excluded, sorted_checks, sorted_fks, sorted_indexes, sorted_uniques

DIALECT = "postgresql"
DEFAULT_SCHEMA = "public"

_NOT_EXTENSION = """NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend dep
    WHERE dep.classid = '{catalog}'::regclass AND dep.objid = {oid} AND dep.deptype = 'e')"""

TABLES = f"""
SELECT c.oid, n.nspname, c.relname, d.description AS comment,
       c.relpersistence = 'u' AS unlogged,
       (SELECT ic.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = c.oid AND i.indisclustered) AS cluster_on,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       c.relispartition, pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
       ARRAY(SELECT ARRAY[pn.nspname, pc.relname]
             FROM pg_catalog.pg_inherits inh
             JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE inh.inhrelid = c.oid ORDER BY inh.inhseqno) AS parents
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY(%(schemas)s)
  AND {_NOT_EXTENSION.format(catalog="pg_catalog.pg_class", oid="c.oid")}
"""

COLUMNS = """
SELECT a.attrelid, a.attnum, a.attname,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.atttypid, t.typtype, t.typelem, et.typtype AS elem_typtype,
       a.attnotnull, a.attidentity, a.attgenerated, a.attislocal, a.attstattarget,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, 0) ELSE pg_get_expr(ad.adbin, ad.adrelid) END
           AS default,
       d.description AS comment,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
       seq.attrdef IS NOT NULL AS uses_owned_sequence
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
-- the default uses a sequence owned by the column (serial): joined once, not looked up for each column
LEFT JOIN (
    SELECT DISTINCT used.objid AS attrdef, owned.refobjid AS relid, owned.refobjsubid AS attnum
    FROM pg_catalog.pg_depend used
    JOIN pg_catalog.pg_depend owned
      ON owned.classid = 'pg_catalog.pg_class'::regclass AND owned.objid = used.refobjid
     AND owned.refclassid = 'pg_catalog.pg_class'::regclass AND owned.deptype = 'a'
    WHERE used.classid = 'pg_catalog.pg_attrdef'::regclass AND used.refclassid = 'pg_catalog.pg_class'::regclass
) seq ON seq.attrdef = ad.oid AND seq.relid = a.attrelid AND seq.attnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY(%(schemas)s)
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# each name looked up by its key (a join here is planned as a scan for each constraint)
_ATTNAMES = """ARRAY(
    SELECT (SELECT att.attname FROM pg_catalog.pg_attribute att WHERE att.attrelid = {rel} AND att.attnum = k.attnum)
    FROM unnest({keys}) WITH ORDINALITY AS k(attnum, ord)
    ORDER BY k.ord)"""

CONSTRAINTS = f"""
SELECT con.conrelid, con.conname, con.contype,
       {_ATTNAMES.format(keys="con.conkey", rel="con.conrelid")} AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       {_ATTNAMES.format(keys="con.confkey", rel="con.confrelid")} AS ref_columns,
       con.confupdtype, con.confdeltype, con.condeferrable, con.condeferred, con.conislocal,
       CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) END AS definition
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0
  AND c.relkind IN ('r', 'p')
  AND n.nspname = ANY(%(schemas)s)
"""

INDEXES = """
SELECT i.indrelid, ic.relname AS name, i.indisunique, i.indnkeyatts,
       i.indkey::int2[] AS indkey, i.indoption::int2[] AS indoption, am.amname,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) END
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS key_texts,
       ARRAY(SELECT (SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname END
                     FROM pg_catalog.pg_opclass oc WHERE oc.oid = k.opclass)
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opclass, ord) ORDER BY k.ord) AS opclasses
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT ic.relispartition
  AND n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_constraint con
      WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
"""

# extended statistics: plain columns (by attnum) then expressions, as CREATE STATISTICS lists them
STATISTICS = f"""
SELECT s.stxrelid, s.stxname, s.stxkind::text[] AS kinds,
       {_ATTNAMES.format(keys="s.stxkeys::int2[]", rel="s.stxrelid")} AS columns,
       COALESCE(pg_get_statisticsobjdef_expressions(s.oid), ARRAY[]::text[]) AS expressions
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
"""

# every enum type, because a reflected column may use one from another schema;
# ``in_scope`` marks those that belong in Schema.enums
ENUMS = f"""
SELECT t.oid, n.nspname, t.typname,
       ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       (n.nspname = ANY(%(schemas)s)
        AND {_NOT_EXTENSION.format(catalog="pg_catalog.pg_type", oid="t.oid")}) AS in_scope
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e'
"""

SEQUENCES = f"""
SELECT s.seqrelid, n.nspname, c.relname, s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle, format_type(s.seqtypid, NULL) AS data_type,
       owner.refobjid AS owner_relid, owner.refobjsubid AS owner_attnum, owner.deptype AS owner_kind
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend owner
  ON owner.classid = 'pg_catalog.pg_class'::regclass AND owner.objid = s.seqrelid
 AND owner.refclassid = 'pg_catalog.pg_class'::regclass AND owner.refobjsubid > 0
 AND owner.deptype IN ('a', 'i')
WHERE n.nspname = ANY(%(schemas)s)
  AND {_NOT_EXTENSION.format(catalog="pg_catalog.pg_class", oid="c.oid")}
"""

# the schemas asked for that exist (``public`` is the model's default, not listed)
SCHEMAS = f"""
SELECT n.nspname FROM pg_catalog.pg_namespace n
WHERE n.nspname = ANY(%(schemas)s) AND n.nspname <> '{DEFAULT_SCHEMA}'
  AND {_NOT_EXTENSION.format(catalog="pg_catalog.pg_namespace", oid="n.oid")}
"""

# every schema an application may use: not the system's, not an extension's
ALL_SCHEMAS = f"""
SELECT n.nspname FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND {_NOT_EXTENSION.format(catalog="pg_catalog.pg_namespace", oid="n.oid")}
ORDER BY n.nspname
"""

_STATISTICS_KINDS = {"d": "ndistinct", "f": "dependencies", "m": "mcv"}  # 'e': expressions, implied by them
_ACTIONS = {"a": None, "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_CHECK_SUFFIXES = re.compile(r"(\s+(NOT VALID|NO INHERIT))+$")


@dataclass
class _Table:
    """A table as its rows arrive from the catalog queries, frozen into a model table at the end."""

    oid: int
    name: str
    schema: str | None
    comment: str | None
    unlogged: bool = False
    cluster_on: str | None = None
    columns: list[m.Column] = field(default_factory=list)
    attnames: dict[int, str] = field(default_factory=dict)
    primary_key: m.PrimaryKey | None = None
    foreign_keys: list[m.ForeignKey] = field(default_factory=list)
    uniques: list[m.Unique] = field(default_factory=list)
    checks: list[m.Check] = field(default_factory=list)
    excludes: list[m.Exclude] = field(default_factory=list)
    indexes: list[m.Index] = field(default_factory=list)
    statistics: list[m.Statistics] = field(default_factory=list)
    inherits: tuple[m.TableRef, ...] = ()
    inherited_columns: list[str] = field(default_factory=list)
    partition_by: str | None = None
    partition_of: m.PartitionOf | None = None

    def freeze(self) -> m.Table:
        return m.Table(
            name=self.name,
            columns=tuple(self.columns),
            primary_key=self.primary_key,
            foreign_keys=sorted_fks(self.foreign_keys),
            uniques=sorted_uniques(self.uniques),
            checks=sorted_checks(self.checks),
            indexes=sorted_indexes(self.indexes),
            comment=self.comment,
            unlogged=self.unlogged,
            cluster_on=self.cluster_on,
            schema=self.schema,
            excludes=tuple(sorted(self.excludes, key=lambda x: (x.name is None, x.name or "", x.elements))),
            inherits=self.inherits,
            inherited_columns=tuple(self.inherited_columns),
            partition_by=self.partition_by,
            partition_of=self.partition_of,
            statistics=tuple(sorted(self.statistics, key=lambda s: s.name)),
        )


def _model_schema(nspname: str | None) -> str | None:
    return None if nspname in (None, DEFAULT_SCHEMA) else nspname


def reflect(catalog: Catalog, *, schemas: tuple[str | None, ...], exclude: frozenset[str]) -> m.Schema:
    params = {"schemas": sorted({s or DEFAULT_SCHEMA for s in schemas})}

    def rows(query: str) -> Sequence[Any]:
        return catalog.rows(query, params)

    tables: dict[int, _Table] = {}
    for row in rows(TABLES):
        schema = _model_schema(row.nspname)
        if not excluded(row.relname, schema, exclude):
            tables[row.oid] = _table(row, schema)

    enums: dict[int, tuple[str, tuple[str, ...]]] = {}  # type oid -> (type name for the column, labels)
    scoped_enums: list[m.Enum] = []
    for row in rows(ENUMS):
        labels = tuple(row.labels)
        schema = _model_schema(row.nspname)
        enums[row.oid] = (m.qualified(row.typname, schema), labels)
        if row.in_scope:
            scoped_enums.append(m.Enum(row.typname, labels, schema))

    identities: dict[tuple[int, int], m.Identity | None] = {}  # (relid, attnum) -> start/increment
    sequences: list[m.Sequence] = []
    owned: dict[tuple[int, int], m.Sequence] = {}  # (relid, attnum) -> the serial column's sequence
    for row in rows(SEQUENCES):
        start = None if row.seqstart == 1 else row.seqstart
        increment = None if row.seqincrement == 1 else row.seqincrement
        if row.owner_kind == "i":
            identities[(row.owner_relid, row.owner_attnum)] = m.Identity(start=start, increment=increment)
        elif row.owner_kind is None:
            sequences.append(_sequence(row))
        else:  # 'a': owned by a column (serial): part of that column unless its options are its own
            owned[(row.owner_relid, row.owner_attnum)] = _sequence(row)

    for row in rows(COLUMNS):
        table = tables.get(row.attrelid)
        if table is None:
            continue
        table.attnames[row.attnum] = row.attname
        table.columns.append(_column(row, enums, identities))
        if not row.attislocal:
            table.inherited_columns.append(row.attname)

    sequences += _customized_serial_sequences(tables, owned)

    for row in rows(CONSTRAINTS):
        table = tables.get(row.conrelid)
        if table is not None:
            _constraint(table, row)

    for row in rows(INDEXES):
        table = tables.get(row.indrelid)
        if table is not None:
            table.indexes.append(_index(table, row))

    for row in rows(STATISTICS):
        table = tables.get(row.stxrelid)
        if table is not None:
            table.statistics.append(_statistics(row))

    namespaces = [row.nspname for row in rows(SCHEMAS)]
    return m.Schema.of((t.freeze() for t in tables.values()), scoped_enums, sequences, namespaces)


def _table(row: Any, schema: str | None) -> _Table:
    """A table as the TABLES query reads it: its parents are those of a partition or those it inherits from."""
    table = _Table(row.oid, row.relname, schema, row.comment, bool(row.unlogged), row.cluster_on)
    parents = tuple(m.TableRef(name, _model_schema(nspname)) for nspname, name in row.parents or ())
    table.partition_by = row.partition_by
    if row.relispartition and parents:
        table.partition_of = m.PartitionOf(parents[0], row.partition_bound)
    else:
        table.inherits = parents
    return table


def schema_names(catalog: Catalog) -> tuple[str | None, ...]:
    """Every schema of the database that is not PostgreSQL's or an extension's; None for ``public``."""
    return tuple(_model_schema(row.nspname) for row in catalog.rows(ALL_SCHEMAS))


def _customized_serial_sequences(tables: dict[int, _Table], owned: dict) -> list[m.Sequence]:
    """The sequences of serial columns that differ from what SERIAL creates (name, data type, options)."""
    found = []
    for (relid, attnum), sequence in owned.items():
        table = tables.get(relid)
        if table is None:
            continue
        name = table.attnames.get(attnum)
        column = next((c for c in table.columns if c.name == name), None)
        if column is None or not column.autoincrement:
            continue
        if sequence != m.serial_sequence(table.name, column, table.schema):
            found.append(replace(sequence, owned_by=(table.name, column.name)))
    return found


def _statistics(row: Any) -> m.Statistics:
    kinds = tuple(_STATISTICS_KINDS[k] for k in _STATISTICS_KINDS if k in (row.kinds or ()))
    return m.Statistics(
        row.stxname,
        tuple(row.columns) + tuple(row.expressions),
        () if len(kinds) == len(_STATISTICS_KINDS) else kinds,
    )


def _sequence(row: Any) -> m.Sequence:
    return m.Sequence(
        row.relname,
        start=row.seqstart,
        increment=row.seqincrement,
        schema=_model_schema(row.nspname),
        minvalue=row.seqmin,
        maxvalue=row.seqmax,
        cycle=bool(row.seqcycle),
        cache=row.seqcache,
        data_type=row.data_type,
    )


def _column(row: Any, enums: dict, identities: dict) -> m.Column:
    type_ = _type(row, enums)
    default = row.default
    autoincrement = False
    identity = None
    computed = None
    if row.attidentity in ("a", "d"):
        found = identities.get((row.attrelid, row.attnum)) or m.Identity()
        identity = m.Identity(always=row.attidentity == "a", start=found.start, increment=found.increment)
        default = None
    elif row.attgenerated in ("s", "v"):  # stored; virtual from PostgreSQL 18
        computed, default = default, None
    elif row.uses_owned_sequence and default is not None and default.startswith("nextval("):
        autoincrement, default = True, None
    return m.Column(
        name=row.attname,
        type=type_,
        nullable=not row.attnotnull,
        default=default,
        autoincrement=autoincrement,
        identity=identity,
        computed=computed,
        virtual=row.attgenerated == "v",
        comment=row.comment,
        collation=row.collation,
        statistics_target=row.attstattarget if row.attstattarget is not None and row.attstattarget >= 0 else None,
    )


def _type(row: Any, enums: dict) -> str:
    if row.typtype == "e" and row.atttypid in enums:
        name, labels = enums[row.atttypid]
        return enum_type(labels, name)
    if row.elem_typtype == "e" and row.typelem in enums:
        name, labels = enums[row.typelem]
        return enum_type(labels, name) + "[]"
    return canonical(DIALECT, row.type)


def _constraint(table: _Table, row: Any) -> None:
    if row.contype == "x":  # its name is judged by the elements of its definition, which may be expressions
        exclude = parse_exclude(row.definition, row.conname)
        table.excludes.append(as_unnamed(exclude) if pg_server_named(exclude, table.name, ()) else exclude)
        return
    columns = tuple(row.columns)
    deferrable, deferred = bool(row.condeferrable), bool(row.condeferred)
    name, server_name = _names(table, row, columns)
    if row.contype == "p":
        table.primary_key = m.PrimaryKey(columns, name, deferrable, deferred, server_name=server_name)
    elif row.contype == "u":
        table.uniques.append(m.Unique(columns, name, deferrable, deferred, server_name=server_name))
    elif row.contype == "f":
        table.foreign_keys.append(m.ForeignKey(
            columns=columns,
            ref_table=row.ref_table,
            ref_columns=tuple(row.ref_columns),
            name=name,
            ref_schema=_model_schema(row.ref_schema),
            on_delete=_ACTIONS.get(row.confdeltype),
            on_update=_ACTIONS.get(row.confupdtype),
            deferrable=deferrable,
            initially_deferred=deferred,
            server_name=server_name,
        ))
    elif row.contype == "c" and row.conislocal:
        # a check only inherited from a parent table is the parent's (it cannot be dropped here)
        table.checks.append(m.Check(_check_text(row.definition), name, server_name=server_name))


def _names(table: _Table, row: Any, columns: tuple[str, ...]) -> tuple[str | None, str | None]:
    """A constraint's ``(name, server_name)``: a name PostgreSQL chose itself (the constraint was made unnamed)
    reads as no name, the real one kept to drop it by (see :mod:`dbshift.sqla.server_names`)."""
    if pg_chose(row.conname, table.name, row.contype, columns, table.attnames.values()):
        return None, row.conname
    return row.conname, None


def _check_text(definition: str) -> str:
    """``CHECK ((price > (0)::numeric)) NOT VALID`` → ``(price > (0)::numeric)``."""
    text = _CHECK_SUFFIXES.sub("", definition.strip())
    if text.upper().startswith("CHECK"):
        text = text[len("CHECK"):]
    return strip_outer_parens(text)


def _index(table: _Table, row: Any) -> m.Index:
    keys = list(row.indkey)
    options = list(row.indoption or [])
    expressions = []
    for position in range(row.indnkeyatts):
        attnum = keys[position]
        text = table.attnames.get(attnum) if attnum != 0 else None
        if text is None:
            text = row.key_texts[position]
        elif position < len(row.opclasses) and row.opclasses[position]:
            text += f" {row.opclasses[position]}"  # not the default operator class: doc jsonb_path_ops
        option = options[position] if position < len(options) else 0
        descending, nulls_first = bool(option & 1), bool(option & 2)
        if descending:
            text += " DESC"
        if nulls_first != descending:
            text += " NULLS FIRST" if nulls_first else " NULLS LAST"
        expressions.append(text)
    include = tuple(table.attnames.get(attnum, str(attnum)) for attnum in keys[row.indnkeyatts:])
    return m.Index(
        name=row.name,
        expressions=tuple(expressions),
        unique=bool(row.indisunique),
        where=row.predicate,
        using=None if row.amname == "btree" else row.amname,
        include=include,
    )

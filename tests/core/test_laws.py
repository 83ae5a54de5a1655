"""Laws of the pure core, property-tested without a database.

For every schema operation kind (each :class:`~dbshift.core.ops.Op` subclass
but the data steps and hand-written steps, which leave the schema alone):

* ``op.reverse().reverse() == op``: reversing is an involution;
* ``op.reverse().apply(op.apply(s)) == s`` for an op valid on ``s``; for a run
  of ops, ``apply_all(apply_all(s, ops), reverse_all(ops)) == s``;
* and, what makes the second law hold for more than the ops generated here: the
  reverse is valid on ``op.apply(s)``, carrying what the op changed exactly as
  it was.

Hypothesis generates schemas (tables in the default schema and in named ones,
columns of simple and enum types with nullability, defaults, comments and
collations, primary keys, indexes, unique, check, foreign-key and exclusion
constraints, enum types, sequences) and ops that are valid for the schema they
apply to: drops and alters carry the object exactly as the schema holds it,
creates and renames use free names, and no table, column, index, enum type or
schema still referred to is dropped (nor an enum value a column's default holds).  Each kind is tested on its own, and in
runs of ops of random kinds.

One exception is built in: undoing a drop re-adds a column, index or
constraint at the end of its table's tuple, so the round trip is exact only
when the dropped object was the last one; otherwise it holds up to order (the
differ sees no change).  The strict xfail examples at the end keep that and the
other known exceptions visible.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dbshift.core import ops as o
from dbshift.core.diff import diff
from dbshift.core.model import (
    Check,
    Column,
    Enum,
    Exclude,
    ForeignKey,
    Identity,
    Index,
    PartitionOf,
    PrimaryKey,
    Schema,
    Sequence,
    Statistics,
    Table,
    TableOptions,
    TableRef,
    Unique,
    qualified,
    serial_sequence_name,
)
from dbshift.core.types import enum_type, parse_type
from dbshift.core.objects import DbObject

# CI runs a fixed set of examples (a red build is then reproducible); elsewhere each run explores new ones.
# DBSHIFT_PROPERTY_EXAMPLES raises the counts for a longer search.
EXAMPLES = int(os.environ.get("DBSHIFT_PROPERTY_EXAMPLES", "0"))
LAWS = settings(
    max_examples=max(100, EXAMPLES),
    derandomize=os.environ.get("CI", "").lower() == "true",
    deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow],
)
PER_KIND = settings(LAWS, max_examples=max(25, EXAMPLES))  # for each kind; runs of ops add more

NAMESPACES = ["app", "audit", "stats"]
TABLE_NAMES = [f"t{i}" for i in range(6)]
COLUMN_NAMES = [f"c{i}" for i in range(6)]
ENUM_NAMES = ["mood", "level", "color"]
OBJECT_NAMES = ["v1", "f1", "v2"]
ENUM_VALUES = ["a", "b", "c", "d", "e"]
SEQUENCE_NAMES = ["s0", "s1", "s2"]
COMMENTS = [None, "", "a note", "it's quoted"]
SIMPLE_TYPES = ["integer", "bigint", "varchar(20)", "text", "boolean"]
DEFAULTS = {"integer": ["0", "1"], "bigint": ["0"], "varchar(20)": ["'x'"], "text": ["''"], "boolean": ["false"]}
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# --- schemas ------------------------------------------------------------------
# Choices go through a few cached strategies: building a fresh strategy for every draw is what costs time.


@functools.cache
def _below(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


@functools.cache
def _some(n: int, min_size: int, max_size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(_below(n), min_size=min_size, max_size=max_size, unique=True)


def pick(draw, items):
    """One of ``items`` (shrinking towards the first), or None when there are none."""
    items = tuple(items)
    return items[draw(_below(len(items)))] if items else None


def some(draw, items, min_size: int = 0, max_size: int = 2) -> tuple:
    """Up to ``max_size`` distinct ``items`` (at least ``min_size`` when there are that many)."""
    items = tuple(items)
    if not items:
        return ()
    return tuple(items[i] for i in draw(_some(len(items), min(min_size, len(items)), min(max_size, len(items)))))


def flip(draw) -> bool:
    return draw(BOOLEANS)


BOOLEANS = st.booleans()


def column_types(enums) -> list[str]:
    return SIMPLE_TYPES + [enum_type(e.values, e.key) for e in enums]


def defaults_for(type_: str) -> list[str]:
    spec = parse_type(type_)
    if spec.is_enum:
        return [f"'{spec.values[0]}'"]
    return DEFAULTS[type_]


def columns(draw, name: str, enums) -> Column:
    type_ = pick(draw, column_types(enums))
    textual = type_ in ("varchar(20)", "text")
    return Column(
        name,
        type_,
        nullable=flip(draw),
        default=pick(draw, [None, *defaults_for(type_)]),
        comment=pick(draw, COMMENTS),
        collation=pick(draw, [None, "C"]) if textual else None,
    )


def altered(draw, column: Column, enums) -> Column:
    """``column`` with some of its type, nullability, default, generation, comment and collation changed (maybe none)."""
    type_ = column.type if flip(draw) else pick(draw, column_types(enums))
    default = column.default if type_ == column.type else None
    return replace(
        column,
        type=type_,
        nullable=column.nullable != flip(draw),
        default=pick(draw, [default, None, *defaults_for(type_)]),
        identity=pick(draw, [column.identity, None, Identity(), Identity(always=True, start=10, increment=2)]),
        computed=pick(draw, [column.computed, None, "id * 2"]),
        virtual=column.virtual != flip(draw),
        comment=pick(draw, [column.comment, *COMMENTS]),
        collation=pick(draw, [column.collation, None, "C"]),
    )


def indexes(draw, name: str, column_names) -> Index:
    column_names = tuple(column_names)
    if flip(draw):
        expressions = some(draw, column_names, min_size=1)
    else:
        expressions = (f"lower({pick(draw, column_names)})",)
    return Index(
        name,
        expressions,
        unique=flip(draw),
        where=pick(draw, [None, f"{column_names[0]} IS NOT NULL"]),
        using=pick(draw, [None, "btree", "hash"]),
        include=some(draw, (c for c in column_names if c not in expressions), max_size=1),
    )


def sequences(draw, name: str, schema: str | None) -> Sequence:
    increment = pick(draw, [None, 1, 5, -1])
    if (increment or 1) > 0:
        minvalue, maxvalue, start = pick(draw, [None, 1, 10]), pick(draw, [None, 1000]), pick(draw, [None, 100])
    else:
        minvalue, maxvalue, start = pick(draw, [None, -1000]), pick(draw, [None, -1, -10]), pick(draw, [None, -100])
    return Sequence(
        name, start, increment, schema, minvalue, maxvalue,
        cycle=flip(draw),
        cache=pick(draw, [None, 1, 20]),
        data_type=pick(draw, [None, "smallint", "integer", "bigint"]),
    )


def enum_values(draw) -> tuple[str, ...]:
    return some(draw, ENUM_VALUES, min_size=1, max_size=4)


def tables(draw, name: str, schema: str | None, others, enums) -> Table:
    """A table; its foreign keys reference ``others`` or the table itself."""
    id_ = Column("id", pick(draw, ["integer", "bigint"]), nullable=False, autoincrement=flip(draw))
    cols = (id_, *(columns(draw, n, enums) for n in some(draw, COLUMN_NAMES, max_size=4)))
    names = [c.name for c in cols]
    column_sets = {some(draw, names, min_size=1) for _ in range(pick(draw, [0, 1, 2]))}
    uniques = tuple(
        Unique(cs, pick(draw, [f"uq_{name}_{i}", None]), deferrable=flip(draw))
        for i, cs in enumerate(sorted(column_sets))
    )
    checks = tuple(Check(f"{c} IS NOT NULL", pick(draw, [f"ck_{name}_{c}", None])) for c in some(draw, names))
    index_list = tuple(indexes(draw, f"ix_{name}_{i}", names) for i in range(pick(draw, [0, 1, 2])))
    parents = [(t.name, t.schema, t.columns[0].name) for t in others if t.columns] + [(name, schema, "id")]
    fks = []
    for c in some(draw, names, max_size=1):
        ref_table, ref_schema, ref_column = pick(draw, parents)
        fks.append(ForeignKey(
            (c,), ref_table, (ref_column,), pick(draw, [f"fk_{name}_{c}", None]), ref_schema,
            on_delete=pick(draw, [None, "CASCADE"]),
        ))
    excludes = tuple(
        Exclude((f"{c} WITH =",), pick(draw, [f"ex_{name}_{c}", None])) for c in some(draw, names, max_size=1)
    )
    return Table(
        name,
        cols,
        primary_key=pick(draw, [PrimaryKey(("id",), f"{name}_pkey"), PrimaryKey(("id",)), None]),
        foreign_keys=tuple(fks),
        uniques=uniques,
        checks=checks,
        indexes=index_list,
        comment=pick(draw, COMMENTS),
        schema=schema,
        unlogged=flip(draw),
        cluster_on=pick(draw, [None, *(i.name for i in index_list)]),
        excludes=excludes,
        options=table_options(draw),
    )


def table_options(draw) -> TableOptions:
    return TableOptions(without_rowid=flip(draw), strict=flip(draw), autoincrement=flip(draw))


@st.composite
def schemas(draw) -> Schema:
    namespaces = some(draw, NAMESPACES)
    where = [None, *namespaces]
    enums = [Enum(n, enum_values(draw), pick(draw, where)) for n in some(draw, ENUM_NAMES)]
    table_list: list[Table] = []
    for name in some(draw, TABLE_NAMES[:4], min_size=1, max_size=3):
        table_list.append(tables(draw, name, pick(draw, where), table_list, enums))
    seqs = {}
    for name in some(draw, SEQUENCE_NAMES):
        seq = sequences(draw, name, pick(draw, where))
        seqs[seq.key] = seq
    for t in table_list:  # a serial column's sequence, standalone for now (to be attached)
        for c in t.columns:
            if c.autoincrement and flip(draw):
                seq = sequences(draw, serial_sequence_name(t.name, c.name), t.schema)
                seqs[seq.key] = seq
    objects = [db_object(draw, name) for name in some(draw, OBJECT_NAMES)]
    return Schema.of(table_list, enums, seqs.values(), namespaces, objects)


def db_object(draw, name: str) -> DbObject:
    """A view (replaceable in place, or not when its shape changes) or a function, of one of two versions."""
    version = draw(st.sampled_from(["1", "2"]))
    kind = draw(st.sampled_from(["view", "function"]))
    create = f"CREATE {kind.upper()} {name} AS {version}"
    shape = draw(st.sampled_from(["a", "b"]))
    replacing = (create.replace("CREATE", "CREATE OR REPLACE"),)
    return DbObject(kind, name, (create,), (f"DROP {kind.upper()} {name}",), replacing,
                    shape=shape)


# --- valid ops for a schema ---------------------------------------------------------
# Each builder returns an op valid on the schema, or None when the schema offers no occasion for one.


def words(*texts: str | None) -> set[str]:
    return {w for text in texts if text for w in WORD.findall(text)}


def in_use(s: Schema, t: Table) -> set[str]:
    """Columns of ``t`` something refers to: its keys, indexes, checks, exclusions, or other tables' foreign keys."""
    used = set(t.primary_key.columns if t.primary_key else ())
    for fk in t.foreign_keys:
        used |= set(fk.columns)
    for u in t.uniques:
        used |= set(u.columns)
    for i in t.indexes:
        used |= words(*i.expressions, *i.include, i.where)
    for c in t.checks:
        used |= words(c.sqltext)
    for x in t.excludes:
        used |= words(*x.elements, *x.include, x.where)
    for other in s.tables:
        for fk in other.foreign_keys:
            if qualified(fk.ref_table, fk.ref_schema) == t.key:
                used |= set(fk.ref_columns)
    return used


def referenced(s: Schema, t: Table) -> bool:
    """Whether another table has a foreign key to ``t``."""
    return any(
        qualified(fk.ref_table, fk.ref_schema) == t.key for other in s.tables if other.key != t.key for fk in other.foreign_keys
    )


def free_table_name(draw, s: Schema, schema: str | None) -> str | None:
    return pick(draw, (n for n in TABLE_NAMES if not s.has_table(qualified(n, schema))))


def create_table(draw, s):
    schema = pick(draw, [None, *s.schemas])
    name = free_table_name(draw, s, schema)
    return name and o.CreateTable(tables(draw, name, schema, s.tables, s.enums))


def drop_table(draw, s):
    t = pick(draw, (t for t in s.tables if not referenced(s, t)))
    return t and o.DropTable(t)


def rename_table(draw, s):
    t = pick(draw, s.tables)
    new = t and free_table_name(draw, s, t.schema)
    return new and o.RenameTable(t.name, new, t.schema)


def alter_table_comment(draw, s):
    t = pick(draw, s.tables)
    return t and o.AlterTableComment(t.name, t.comment, pick(draw, COMMENTS), t.schema)


def alter_table_logging(draw, s):
    t = pick(draw, s.tables)
    return t and o.AlterTableLogging(t.name, not t.unlogged, t.schema)


def alter_table_cluster(draw, s):
    t = pick(draw, s.tables)
    return t and o.AlterTableCluster(t.name, t.cluster_on, pick(draw, [None, *(i.name for i in t.indexes)]), t.schema)


def alter_table_options(draw, s):
    t = pick(draw, s.tables)
    new = t and table_options(draw)
    return o.AlterTableOptions(t.name, t.options, new, t.schema) if t and new != t.options else None


def alter_table_inherit(draw, s):
    t = pick(draw, s.tables)
    if t is None:
        return None
    if t.inherits and flip(draw):
        return o.AlterTableInherit(t.name, pick(draw, t.inherits), False, t.schema)
    parent = pick(draw, (TableRef(p.name, p.schema) for p in s.tables if p.key != t.key))
    return parent and parent not in t.inherits and o.AlterTableInherit(t.name, parent, True, t.schema)


def attach_partition(draw, s):
    t = pick(draw, (t for t in s.tables if t.partition_of is None))
    parent = t and pick(draw, (p for p in s.tables if p.key != t.key))
    bound = pick(draw, ["DEFAULT", "FOR VALUES IN (1, 2)"])
    return parent and o.AttachPartition(t.name, PartitionOf(TableRef(parent.name, parent.schema), bound), t.schema)


def detach_partition(draw, s):
    t = pick(draw, (t for t in s.tables if t.partition_of is not None))
    return t and o.DetachPartition(t.name, t.partition_of, t.schema)


def create_statistics(draw, s):
    t = pick(draw, (t for t in s.tables if len(t.columns) >= 2))
    name = t and pick(draw, (n for n in ("st0", "st1") if n not in {x.name for x in t.statistics}))
    if not name:
        return None
    kinds = some(draw, ("ndistinct", "dependencies", "mcv"))
    return o.CreateStatistics(t.name, Statistics(name, some(draw, t.column_names, min_size=2), kinds), t.schema)


def drop_statistics(draw, s):
    t = pick(draw, (t for t in s.tables if t.statistics))
    return t and o.DropStatistics(t.name, pick(draw, t.statistics), t.schema)


def alter_column_statistics(draw, s):
    t = pick(draw, (t for t in s.tables if t.columns))
    column = t and pick(draw, t.columns)
    new = column and pick(draw, (n for n in (None, 100, 1000) if n != column.statistics_target))
    return column and o.AlterColumnStatistics(t.name, column.name, column.statistics_target, new, t.schema)


def add_column(draw, s):
    t = pick(draw, (t for t in s.tables if set(COLUMN_NAMES) - set(t.column_names)))
    name = t and pick(draw, (n for n in COLUMN_NAMES if not t.has_column(n)))
    return name and o.AddColumn(t.name, columns(draw, name, s.enums), t.schema)


def drop_column(draw, s):
    t = pick(draw, (t for t in s.tables if set(t.column_names) - in_use(s, t)))
    return t and o.DropColumn(t.name, pick(draw, (c for c in t.columns if c.name not in in_use(s, t))), t.schema)


def alter_column(draw, s):
    t = pick(draw, (t for t in s.tables if t.columns))
    column = t and pick(draw, t.columns)
    return column and o.AlterColumn(t.name, column, altered(draw, column, s.enums), t.schema)


def rename_column(draw, s):
    t = pick(draw, (t for t in s.tables if t.columns))
    new = t and pick(draw, (n for n in COLUMN_NAMES + ["id", "key"] if not t.has_column(n)))
    return new and o.RenameColumn(t.name, pick(draw, t.column_names), new, t.schema)


def create_index(draw, s):
    t = pick(draw, (t for t in s.tables if t.columns))
    if t is None:
        return None
    taken = {i.name for other in s.tables if other.schema == t.schema for i in other.indexes}
    name = pick(draw, (f"ix_{t.name}_{n}" for n in range(6) if f"ix_{t.name}_{n}" not in taken))
    return name and o.CreateIndex(t.name, indexes(draw, name, t.column_names), t.schema)


def drop_index(draw, s):
    """Drop an index the table is not clustered on (AlterTableCluster takes the mark off first)."""
    t = pick(draw, (t for t in s.tables if any(i.name != t.cluster_on for i in t.indexes)))
    return t and o.DropIndex(t.name, pick(draw, (i for i in t.indexes if i.name != t.cluster_on)), t.schema)


def new_constraint(draw, s: Schema, t: Table):
    """A constraint ``t`` does not have yet (None when the one drawn is taken)."""
    names = t.column_names
    kind = pick(draw, ["primary key", "unique", "check", "foreign key", "exclude"])
    if kind == "primary key":
        if t.primary_key is not None:
            return None
        return PrimaryKey(some(draw, names, min_size=1), pick(draw, [f"{t.name}_pkey", None]), deferrable=flip(draw))
    tag = pick(draw, range(10))
    name = pick(draw, [f"{kind[:2]}_{t.name}_new{tag}", None])
    if name in {c.name for c in t.constraints}:
        return None
    column = pick(draw, names)
    if kind == "unique":
        new = Unique(some(draw, names, min_size=1), name, deferrable=flip(draw))
        return None if any(u.columns == new.columns for u in t.uniques) else new
    if kind == "check":
        new = Check(f"{column} <> {tag}", name)
        return None if any(c.sqltext == new.sqltext for c in t.checks) else new
    if kind == "foreign key":
        ref = pick(draw, (r for r in s.tables if r.columns))  # t, at least
        new = ForeignKey((column,), ref.name, (ref.columns[0].name,), name, ref.schema,
                         on_update=pick(draw, [None, "CASCADE"]))
        return None if any(fk.signature == new.signature for fk in t.foreign_keys) else new
    new = Exclude((f"{column} WITH =", f"{column} WITH <>"), name, where=pick(draw, [None, f"{column} > {tag}"]))
    return None if any(x.elements == new.elements and x.where == new.where for x in t.excludes) else new


def add_constraint(draw, s):
    t = pick(draw, (t for t in s.tables if t.columns))
    constraint = t and new_constraint(draw, s, t)
    return constraint and o.AddConstraint(t.name, constraint, t.schema)


def drop_constraint(draw, s):
    t = pick(draw, (t for t in s.tables if t.constraints))
    return t and o.DropConstraint(t.name, pick(draw, t.constraints), t.schema)


def create_enum(draw, s):
    schema = pick(draw, [None, *s.schemas])
    name = pick(draw, (n for n in ENUM_NAMES if qualified(n, schema) not in {e.key for e in s.enums}))
    return name and o.CreateEnum(Enum(name, enum_values(draw), schema))


def enum_in_use(s: Schema, e: Enum) -> bool:
    return any(parse_type(c.type).enum_name == e.key for t in s.tables for c in t.columns)


def enum_defaults(s: Schema, e: Enum) -> list[str]:
    """The values the defaults of the columns of enum type ``e`` hold."""
    return [c.default.strip("'") for t in s.tables for c in t.columns
            if c.default and parse_type(c.type).enum_name == e.key]


def drop_enum(draw, s):
    e = pick(draw, (e for e in s.enums if not enum_in_use(s, e)))
    return e and o.DropEnum(e)


def alter_enum(draw, s):
    e = pick(draw, s.enums)
    if e is None:
        return None
    drawn = enum_values(draw)
    held = [v for v in enum_defaults(s, e) if v not in drawn]  # no database removes a value a default holds
    new = replace(e, values=drawn + tuple(dict.fromkeys(held)))
    gone = [v for v in e.values if v not in new.values]
    came = [v for v in new.values if v not in e.values]
    return o.AlterEnum(e, new, tuple(pair for pair in zip(gone, came) if flip(draw)))


def create_sequence(draw, s):
    schema = pick(draw, [None, *s.schemas])
    name = pick(draw, (n for n in SEQUENCE_NAMES if qualified(n, schema) not in {q.key for q in s.sequences}))
    return name and o.CreateSequence(sequences(draw, name, schema))


def drop_sequence(draw, s):
    seq = pick(draw, s.sequences)
    return seq and o.DropSequence(seq)


def alter_sequence(draw, s):
    seq = pick(draw, s.sequences)
    return seq and o.AlterSequence(seq, sequences(draw, seq.name, seq.schema))


def serial_columns(s: Schema, standalone: bool) -> list[tuple[Table, Column, str]]:
    """Serial columns whose sequence is (``standalone``) or is not one of the schema's sequences."""
    keys = {q.key for q in s.sequences}
    return [
        (t, c, qualified(serial_sequence_name(t.name, c.name), t.schema))
        for t in s.tables for c in t.columns
        if c.autoincrement and c.identity is None
        and (qualified(serial_sequence_name(t.name, c.name), t.schema) in keys) == standalone
    ]


def attach_sequence(draw, s):
    found = pick(draw, serial_columns(s, standalone=True))
    if found is None:
        return None
    t, c, key = found
    return o.AttachSequence(t.name, c.name, s.sequence(key), t.schema)


def detach_sequence(draw, s):
    found = pick(draw, serial_columns(s, standalone=False))
    if found is None:
        return None
    t, c, _ = found
    return o.DetachSequence(t.name, c.name, sequences(draw, serial_sequence_name(t.name, c.name), t.schema), t.schema)


def make_serial(draw, s):
    """Turn an integer column into a serial one (its sequence then to be detached and attached)."""
    found = pick(draw, ((t, c) for t in s.tables for c in t.columns if c.type in ("integer", "bigint") and not c.autoincrement))
    if found is None:
        return None
    t, c = found
    return o.AlterColumn(t.name, c, replace(c, autoincrement=True), t.schema)


def detach_or_make_serial(draw, s):
    return detach_sequence(draw, s) or make_serial(draw, s)


def attach_or_make_serial(draw, s):
    return attach_sequence(draw, s) or make_serial(draw, s)


def create_schema(draw, s):
    name = pick(draw, (n for n in NAMESPACES if n not in s.schemas))
    return name and o.CreateSchema(name)


def create_object(draw, s):
    name = pick(draw, (n for n in OBJECT_NAMES if not any(x.name == n for x in s.objects)))
    return name and o.CreateObject(db_object(draw, name))


def drop_object(draw, s):
    found = pick(draw, s.objects)
    return found and o.DropObject(found)


def replace_object(draw, s):
    found = pick(draw, s.objects)
    if found is None:
        return None
    new = replace(found, create=(found.create[0] + " changed",), definition=None)
    return o.ReplaceObject(found, new)


def drop_schema(draw, s):
    used = {x.schema for x in (*s.tables, *s.enums, *s.sequences)}
    name = pick(draw, (n for n in s.schemas if n not in used))
    return name and o.DropSchema(name)


BUILDERS = {
    o.CreateTable: create_table, o.DropTable: drop_table, o.RenameTable: rename_table,
    o.AlterTableComment: alter_table_comment, o.AlterTableLogging: alter_table_logging,
    o.AlterTableCluster: alter_table_cluster, o.AlterTableOptions: alter_table_options,
    o.AlterTableInherit: alter_table_inherit, o.AttachPartition: attach_partition, o.DetachPartition: detach_partition,
    o.CreateStatistics: create_statistics, o.DropStatistics: drop_statistics,
    o.AlterColumnStatistics: alter_column_statistics,
    o.AddColumn: add_column, o.DropColumn: drop_column, o.AlterColumn: alter_column, o.RenameColumn: rename_column,
    o.CreateIndex: create_index, o.DropIndex: drop_index,
    o.AddConstraint: add_constraint, o.DropConstraint: drop_constraint,
    o.CreateEnum: create_enum, o.DropEnum: drop_enum, o.AlterEnum: alter_enum,
    o.CreateSequence: create_sequence, o.DropSequence: drop_sequence, o.AlterSequence: alter_sequence,
    o.AttachSequence: attach_sequence, o.DetachSequence: detach_sequence,
    o.CreateSchema: create_schema, o.DropSchema: drop_schema,
    o.CreateObject: create_object, o.DropObject: drop_object, o.ReplaceObject: replace_object,
}
KINDS = sorted(BUILDERS, key=lambda k: k.__name__)
# An op that makes room for one of these kinds when a schema has none to offer
MAKES_ROOM = {
    o.DropTable: create_table, o.DropColumn: add_column, o.DropIndex: create_index, o.DropConstraint: add_constraint,
    o.DropEnum: create_enum, o.AlterEnum: create_enum, o.DropSequence: create_sequence,
    o.AlterSequence: create_sequence, o.AttachSequence: detach_or_make_serial, o.DetachSequence: attach_or_make_serial,
    o.DropSchema: create_schema, o.DetachPartition: attach_partition, o.DropStatistics: create_statistics,
    o.AddColumn: drop_column, o.CreateIndex: drop_index,
    o.AddConstraint: drop_constraint, o.CreateTable: drop_table, o.RenameTable: drop_table,
    o.CreateEnum: drop_enum, o.CreateSequence: drop_sequence, o.CreateSchema: drop_schema,
    o.DropObject: create_object, o.ReplaceObject: create_object, o.CreateObject: drop_object,
}
# Steps that leave the schema alone: data steps and steps written by hand (laws of their own below)
DATA_STEPS = {o.Backfill, o.ValidateConstraint, o.RunSQL, o.RunPython, o.BulkInsert, o.BulkDelete}


def make_op(draw, s: Schema, kind: type[o.Op]) -> tuple[list[o.Op], o.Op | None]:
    """An op of ``kind`` valid on ``s`` once the ops returned with it (making room for it, if need be) have run."""
    room: list[o.Op] = []
    for _ in range(3):
        op = BUILDERS[kind](draw, s)
        if op is not None:
            return room, op
        maker = MAKES_ROOM.get(kind, any_op)(draw, s)
        if maker is not None:
            room.append(maker)
            s = maker.apply(s)
    return room, None


def any_op(draw, s: Schema) -> o.Op:
    """A valid op of any kind for ``s``."""
    for kind in draw(st.permutations(KINDS)):
        op = BUILDERS[kind](draw, s)
        if op is not None:
            return op
    raise AssertionError(f"no op is valid for {s!r}")  # CreateSchema or CreateTable always is


@st.composite
def schema_and_op(draw, kind: type[o.Op]) -> tuple[Schema, o.Op]:
    """A schema and an op of ``kind`` valid on it."""
    s = draw(schemas())
    room, op = make_op(draw, s, kind)
    assume(op is not None)
    return o.apply_all(s, room), op


@st.composite
def schema_and_ops(draw) -> tuple[Schema, list[o.Op], bool]:
    """A schema, a run of ops valid one after the other, and whether undoing each restores order exactly."""
    s = state = draw(schemas())
    ops: list[o.Op] = []
    exact = True
    for kind in draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=8)):
        room, op = make_op(draw, state, kind)
        for step in room + ([op] if op else []):
            exact = exact and not moves_to_end(step, state)
            state = step.apply(state)
            ops.append(step)
    return s, ops, exact


# --- comparing schemas ----------------------------------------------------------------

_CONSTRAINT_FIELDS = {ForeignKey: "foreign_keys", Unique: "uniques", Check: "checks", Exclude: "excludes"}


def moves_to_end(op: o.Op, s: Schema) -> bool:
    """Whether undoing ``op`` on ``s`` re-adds a column, index or constraint at the end rather than where it was."""
    if isinstance(op, o.DropColumn):
        return s.table(qualified(op.table, op.schema)).column_names[-1] != op.column.name
    if isinstance(op, o.DropIndex):
        return s.table(qualified(op.table, op.schema)).indexes[-1] != op.index
    if isinstance(op, o.DropConstraint) and not isinstance(op.constraint, PrimaryKey):
        items = getattr(s.table(qualified(op.table, op.schema)), _CONSTRAINT_FIELDS[type(op.constraint)])
        return items[-1] != op.constraint
    return False


def up_to_order(s: Schema) -> Schema:
    """``s`` with every table's columns, indexes and constraints in a fixed order."""

    def table(t: Table) -> Table:
        return replace(
            t,
            columns=tuple(sorted(t.columns, key=lambda c: c.name)),
            indexes=tuple(sorted(t.indexes, key=repr)),
            **{f: tuple(sorted(getattr(t, f), key=repr)) for f in _CONSTRAINT_FIELDS.values()},
        )

    return replace(s, tables=tuple(table(t) for t in s.tables))


def valid(op: o.Op, s: Schema) -> bool:
    """Whether ``op`` fits ``s``: what it drops or alters is there as it carries it, what it creates is not."""
    tables = {t.key: t for t in s.tables}
    table = tables.get(qualified(getattr(op, "table", ""), getattr(op, "schema", None)))
    enums, sequences = {e.key: e for e in s.enums}, {q.key: q for q in s.sequences}
    match op:
        case o.CreateTable(table=new):
            return new.key not in tables
        case o.DropTable(table=old):
            return tables.get(old.key) == old
        case o.RenameTable(old=old, new=new, schema=schema):
            return qualified(old, schema) in tables and qualified(new, schema) not in tables
        case o.AlterTableComment(old=old):
            return table is not None and table.comment == old
        case o.AlterTableLogging(unlogged=unlogged):
            return table is not None and table.unlogged != unlogged
        case o.AlterTableOptions(old=old):
            return table is not None and table.options == old
        case o.AlterTableCluster(old=old, new=new):
            return table is not None and table.cluster_on == old and new in (None, *(i.name for i in table.indexes))
        case o.AlterTableInherit(parent=parent, inherit=inherit):
            return table is not None and (parent not in table.inherits) == inherit
        case o.AttachPartition():
            return table is not None and table.partition_of is None
        case o.DetachPartition(partition_of=partition_of):
            return table is not None and table.partition_of == partition_of
        case o.CreateStatistics(statistics=statistics):
            return table is not None and statistics.name not in {x.name for x in table.statistics}
        case o.DropStatistics(statistics=statistics):
            return table is not None and statistics in table.statistics
        case o.AlterColumnStatistics(column=column, old=old):
            return table is not None and table.has_column(column) and table.column(column).statistics_target == old
        case o.AddColumn(column=column):
            return table is not None and not table.has_column(column.name)
        case o.DropColumn(column=column):
            return table is not None and column in table.columns
        case o.AlterColumn(old=old):
            return table is not None and old in table.columns
        case o.RenameColumn(old=old, new=new):
            return table is not None and table.has_column(old) and not table.has_column(new)
        case o.CreateIndex(index=index):
            return table is not None and index.name not in {i.name for i in table.indexes}
        case o.DropIndex(index=index):
            return table is not None and index in table.indexes and index.name != table.cluster_on
        case o.AddConstraint(constraint=constraint):
            if isinstance(constraint, PrimaryKey):
                return table is not None and table.primary_key is None
            return table is not None and constraint not in table.constraints
        case o.DropConstraint(constraint=constraint):
            return table is not None and constraint in table.constraints
        case o.CreateEnum(enum=enum):
            return enum.key not in enums
        case o.DropEnum(enum=enum):
            return enums.get(enum.key) == enum
        case o.AlterEnum(old=old, new=new, renamed=renamed):
            gone, came = set(old.values) - set(new.values), set(new.values) - set(old.values)
            return enums.get(old.key) == old and new.key == old.key and all(a in gone and b in came for a, b in renamed)
        case o.CreateSequence(sequence=sequence) | o.DetachSequence(sequence=sequence):
            return sequence.key not in sequences
        case o.DropSequence(sequence=sequence) | o.AttachSequence(sequence=sequence):
            return sequences.get(sequence.key) == sequence
        case o.AlterSequence(old=old):
            return sequences.get(old.key) == old
        case o.CreateSchema(name=name):
            return name not in s.schemas
        case o.CreateObject(object=obj):
            return all(x.id != obj.id for x in s.objects)
        case o.DropObject(object=obj):
            return obj in s.objects
        case o.ReplaceObject(old=old, new=new):
            return old in s.objects and old.id == new.id
        case o.DropSchema(name=name):
            return name in s.schemas and all(x.schema != name for x in (*s.tables, *s.enums, *s.sequences))
    raise AssertionError(f"no validity rule for {op!r}")


def assert_restored(undone: Schema, s: Schema, exact: bool) -> None:
    assert up_to_order(undone) == up_to_order(s)
    assert diff(s, undone) == []  # the differ sees nothing to change either
    if exact:
        assert undone == s


# --- the laws -----------------------------------------------------------------------


def test_every_op_kind_has_a_generator():
    kinds = {v for v in vars(o).values() if isinstance(v, type) and issubclass(v, o.Op) and v is not o.Op}
    assert kinds - DATA_STEPS == set(BUILDERS)
    assert set(o.SCHEMA_OPS) - DATA_STEPS == set(BUILDERS)


def assert_laws(op: o.Op, s: Schema) -> Schema:
    """Check the laws for ``op``, valid on ``s``; return ``op.apply(s)``."""
    assert valid(op, s)
    back = op.reverse()
    assert type(back) in BUILDERS
    assert back.reverse() == op
    assert op.describe() and back.describe()
    after = op.apply(s)
    assert valid(back, after)  # the reverse carries what the op changed, exactly as it was
    assert_restored(back.apply(after), s, exact=not moves_to_end(op, s))
    return after


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@PER_KIND
@given(data=st.data())
def test_reverse_is_an_involution_and_undoes_the_op(kind, data):
    s, op = data.draw(schema_and_op(kind))
    assert type(op) is kind
    assert_laws(op, s)


@LAWS
@given(case=schema_and_ops())
def test_reverse_all_undoes_a_run_of_ops(case):
    s, ops, exact = case
    state = s
    for op in ops:
        state = assert_laws(op, state)
    undo = o.reverse_all(ops)
    assert undo == [op.reverse() for op in reversed(ops)]
    assert o.reverse_all(undo) == ops
    assert_restored(o.apply_all(state, undo), s, exact)


@LAWS
@given(s=schemas(), sql=st.text(max_size=5), reverse_sql=st.text(max_size=5), rows=st.lists(
    st.dictionaries(st.sampled_from(COLUMN_NAMES), st.integers() | st.text(max_size=3) | st.none(), max_size=3),
    max_size=3,
))
def test_data_and_hand_written_steps_leave_the_schema_alone(s, sql, reverse_sql, rows):
    def up(connection):
        pass

    def down(connection):
        pass

    reversible = [o.RunSQL(sql, reverse_sql), o.RunPython(up, down),
                  o.BulkInsert("t0", rows), o.BulkDelete("t0", rows, "app")]
    for op in reversible:
        assert op.reverse().reverse() == op
        assert op.reverse().apply(op.apply(s)) == s
    for op in [o.RunSQL(sql), o.RunPython(up)]:
        assert op.apply(s) == s
        with pytest.raises(o.IrreversibleOperation):
            op.reverse()
    backfill = o.Backfill("t0", "c0", "0")  # its reverse does nothing: the rows keep their values
    assert backfill.reverse().apply(backfill.apply(s)) == s


# --- known exceptions -----------------------------------------------------------------


def two_of_each() -> Table:
    return Table(
        "t",
        (Column("a", "integer"), Column("b", "integer")),
        foreign_keys=(ForeignKey(("a",), "t", ("b",), "fk_a"), ForeignKey(("b",), "t", ("a",), "fk_b")),
        uniques=(Unique(("a",), "uq_a"), Unique(("b",), "uq_b")),
        checks=(Check("a > 0", "ck_a"), Check("b > 0", "ck_b")),
        indexes=(Index("ix_a", ("a",)), Index("ix_b", ("b",))),
        excludes=(Exclude(("a WITH =",), "ex_a"), Exclude(("b WITH =",), "ex_b")),
    )


@pytest.mark.xfail(strict=True, reason=(
    "DropColumn/DropIndex/DropConstraint carry the dropped object but not its position: their reverse "
    "(AddColumn/CreateIndex/AddConstraint) appends it at the end of Table.columns/indexes/foreign_keys/"
    "uniques/checks/excludes, so undoing the drop of any but the last one gives a schema != the original "
    "(equal only up to order; the differ sees no change)"
))
@pytest.mark.parametrize("drop", [
    lambda t: o.DropColumn("t", t.columns[0]),
    lambda t: o.DropIndex("t", t.indexes[0]),
    lambda t: o.DropConstraint("t", t.foreign_keys[0]),
    lambda t: o.DropConstraint("t", t.uniques[0]),
    lambda t: o.DropConstraint("t", t.checks[0]),
    lambda t: o.DropConstraint("t", t.excludes[0]),
], ids=["column", "index", "foreign-key", "unique", "check", "exclude"])
def test_undoing_a_drop_puts_the_object_back_where_it_was(drop):
    s = Schema.of([two_of_each()])
    op = drop(s.tables[0])
    assert op.reverse().apply(op.apply(s)) == s  # up to order it is: see assert_restored


@pytest.mark.xfail(strict=True, reason=(
    "Table.without_constraint (via model._without) removes every constraint equal to the one dropped: "
    "adding an unnamed constraint identical to one the table has (which apply accepts, and PostgreSQL too), "
    "then undoing it, leaves the table with neither"
))
def test_undoing_add_of_a_duplicate_unnamed_constraint_keeps_the_first():
    s = Schema.of([Table("t", (Column("a", "integer"),), checks=(Check("a > 0"),))])
    op = o.AddConstraint("t", Check("a > 0"))
    assert op.reverse().apply(op.apply(s)) == s


@pytest.mark.xfail(strict=True, reason=(
    "AlterTableLogging carries only the new setting and reverses to its negation: one that sets the value "
    "the table already has (a no-op apply accepts) reverses to a change, unlike AlterTableComment/Cluster "
    "and AlterColumn, which carry the old value"
))
def test_undoing_a_no_op_logging_change_changes_nothing():
    s = Schema.of([Table("t", (Column("a", "integer"),), unlogged=False)])
    op = o.AlterTableLogging("t", unlogged=False)
    assert op.reverse().apply(op.apply(s)) == s


@LAWS
@given(s=schemas())
def test_a_table_compared_with_itself_has_nothing_to_change(s):
    """What lets ``diff`` pass over equal tables without comparing them part by part: compared part by part,
    a table and an equal copy of it give no operation, by every database's equivalence."""
    from dbshift.core.diff import Equivalence, diff_table
    from dbshift.sqla.normalize import equivalence_for

    for eq in (Equivalence(), *(equivalence_for(d) for d in ("postgresql", "sqlite", "mysql", "mariadb"))):
        for table in s.tables:
            assert diff_table(table, replace(table), eq) == [], table
    assert diff(s, replace(s)) == []

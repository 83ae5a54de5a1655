"""Migration operations that state types as the models declare them, and their binding to a database.

A generated migration is portable: :func:`declare` gives each column the models
define its SQLAlchemy type (``sa.Enum("happy", "sad", name="mood")``) and, where
its SQL differs between databases, its server default as SQLAlchemy builds it
(``sa.true()``, ``sa.func.now()``); a default whose SQL is the same everywhere
stays SQL text.  On a dialect whose enums are inline (SQLite, MySQL, MariaDB),
it also creates and drops the named enum types PostgreSQL needs (they render as
nothing where the migration is generated).

:func:`bind` turns a loaded migration's operations into the values the differ,
the renderers and the runner work with, for the database the migration runs on:
each SQLAlchemy type becomes that dialect's type string, each default its SQL, as
:mod:`dbshift.sqla.from_metadata` spells the models there.  Type strings and SQL
text (older and hand-written files) are kept as written.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from ..core import model as m
from ..core import ops as o
from .dialect import DEFAULT_SCHEMA, MYSQL_FAMILY, dialect_for, model_dialect
from .from_metadata import _virtual as virtual_of
from .from_metadata import declared_spelling, named_enum
from .source import NotWritable, default_source, type_source
from .model_types import collation_of, from_sqla

PORTABLE = ("sqlite", "postgresql", "mysql", "mariadb")
"""The dialects a declared type or default must build the same on as the models' own."""


def bind(ops: Iterable[o.Op], dialect: str | Dialect) -> tuple[o.Op, ...]:
    """``ops`` with every SQLAlchemy type and default of their columns spelled for ``dialect``."""
    d = model_dialect(dialect)
    return tuple(_walk(op, lambda column, table: _bound(column, d)) for op in ops)


def is_declared(column: m.Column) -> bool:
    """Whether ``column`` holds a SQLAlchemy type or default still to be bound, or a computed column's kind
    left to the database (``virtual=None``)."""
    return (
        not isinstance(column.type, str)
        or not (column.default is None or isinstance(column.default, str))
        or column.virtual is None
    )


def _bound(column: m.Column, d: Dialect) -> m.Column:
    if not is_declared(column):
        return column
    if column.virtual is None:
        column = dataclasses.replace(column, virtual=_virtual_by_default(column, d))
        if not is_declared(column):
            return column
    type_ = column.type if isinstance(column.type, TypeEngine) else None
    default = None if column.default is None or isinstance(column.default, str) else column.default
    spelled_type, spelled_default, collation = declared_spelling(column.name, type_, default, d)
    return dataclasses.replace(
        column,
        type=spelled_type if type_ is not None else column.type,
        default=spelled_default if default is not None else column.default,
        collation=column.collation if column.collation is not None or type_ is None else collation,
    )


# --- declaring the models' types in generated operations ---------------------------------------


def declare(
    upgrade: Iterable[o.Op],
    downgrade: Iterable[o.Op] | None,
    metadata: sa.MetaData,
    dialect: str | Dialect,
    enums_before: Mapping[str, m.Enum] | None = None,
) -> tuple[tuple[o.Op, ...], tuple[o.Op, ...] | None]:
    """The operations a migration file writes: each column the models define, wherever it appears (in
    ``upgrade`` and in the hand-written ``downgrade``), with the models' type and default.

    ``enums_before``: on a dialect without enum types, the enum types the migrations so far create
    (by key); the upgrade then creates each named enum its new columns use that is not among them,
    and drops those the models no longer use.
    """
    upgrade = tuple(upgrade)
    downgrade = None if downgrade is None else tuple(downgrade)
    if not upgrade and not downgrade and not enums_before:  # nothing to declare, no enum type to create or drop
        return upgrade, downgrade
    d = model_dialect(dialect)
    tables = {m.qualified(t.name, _schema_name(t.schema, d)): t for t in metadata.tables.values()}
    cache: dict[tuple[str, m.Column], m.Column] = {}
    rebuilt: dict[str, object] = {}  # a type's source text -> what the type it builds spells on each database

    def declared(column: m.Column, table: str | None) -> m.Column:
        model = tables.get(table) if table is not None else None
        if model is None or column.name not in model.columns or is_declared(column):
            return column
        key = (table or "", column)
        if key not in cache:
            cache[key] = _declared(column, model.columns[column.name], d, rebuilt)
        return cache[key]

    up = tuple(_walk(op, declared) for op in upgrade)
    down = None if downgrade is None else tuple(_walk(op, declared) for op in downgrade)
    if d.name in MYSQL_FAMILY:
        up = tuple(_unique_indexes(op, tables) for op in up)
        down = None if down is None else tuple(_unique_indexes(op, tables) for op in down)
    if enums_before is None or d.name == "postgresql":
        return up, down
    creates, drops = _enum_changes(up, tables.values(), enums_before)
    up = (*(o.CreateEnum(e) for e in creates), *up, *(o.DropEnum(e) for e in drops))
    if down is not None:
        down = (*(o.CreateEnum(e) for e in drops), *down, *(o.DropEnum(e) for e in creates))
    return up, down


def _schema_name(schema: str | None, d: Dialect) -> str | None:
    return None if schema in (None, DEFAULT_SCHEMA.get(d.name)) else schema


def _virtual_by_default(column: m.Column, d: Dialect) -> bool:
    """Whether computed ``column`` is VIRTUAL on ``d`` when the models leave its kind to the database."""
    return column.computed is not None and virtual_of(sa.Computed(column.computed), d)


def _declared(column: m.Column, model: sa.Column, d: Dialect, rebuilt: dict[str, object]) -> m.Column:
    """``column`` (as the models spell it on ``d``) as the models declare it: a computed column whose model
    leaves its kind to the database (``sa.Computed(...)`` without ``persisted``) with ``virtual=None``, and
    (:func:`_declared_type`) the model's type and default."""
    declared = _declared_type(column, model, d, rebuilt)
    computed = model.computed
    if isinstance(computed, sa.Computed) and computed.persisted is None and column.computed is not None:
        kind_left = dataclasses.replace(declared, virtual=None)  # type: ignore[arg-type]  # bound when loaded
        if _bound(kind_left, d) == _bound(declared, d):
            return kind_left
    return declared


def _declared_type(column: m.Column, model: sa.Column, d: Dialect, rebuilt: dict[str, object]) -> m.Column:
    """``column`` (as the models spell it on ``d``) with the model's type, and its default where that is
    not the same SQL on every database; as it was when the model's would not build the same column."""
    spelled_type, spelled_default, collation = declared_spelling(column.name, model.type, _server_default(model), d)
    # not the model's column as the models define it (a computed or altered value), or a type whose source would
    # build another: the column as it is
    if spelled_type != column.type or not _rebuilds(model.type, rebuilt):
        return column
    declared = dataclasses.replace(
        column,
        type=model.type,  # type: ignore[arg-type]  # a declared type, bound to a string when loaded (bind)
        default=_declared_default(column, model, spelled_default),
        collation=None if column.collation == collation else column.collation,
    )
    return declared if _bound(declared, d) == column else column  # binds back to exactly what was compared


def _server_default(model: sa.Column) -> Any:
    default = model.server_default
    return default.arg if isinstance(default, sa.DefaultClause) else None


def _declared_default(column: m.Column, model: sa.Column, spelled: str | None) -> Any:
    """The SQL text when it is the same on every database, else the SQLAlchemy expression that builds it there."""
    arg = _server_default(model)
    if arg is None or column.default is None or column.default != spelled or column.computed is not None:
        return column.default
    everywhere = _spellings(lambda name: declared_spelling(column.name, model.type, arg, name)[1])
    if len(set(everywhere.values())) == 1:
        return column.default
    value = sa.literal(arg) if isinstance(arg, str) else arg
    try:
        rebuilt = default_source(value).evaluate()
    except (NotWritable, Exception):  # noqa: BLE001 - no source that rebuilds it: the SQL as generated here
        return column.default
    again = _spellings(lambda name: declared_spelling(column.name, model.type, rebuilt, name)[1])
    return value if again == everywhere else column.default


def _spellings(spell: Callable[[str], object]) -> dict[str, object]:
    """``spell(name)`` for each portable dialect; a failure is a spelling too (its exception type)."""
    found: dict[str, object] = {}
    for name in PORTABLE:
        try:
            found[name] = spell(name)
        except Exception as exc:  # noqa: BLE001 - compared, not raised: both sides must fail alike
            found[name] = f"!{type(exc).__name__}"
    return found


def _rebuilds(type_: TypeEngine, rebuilt: dict[str, object]) -> bool:
    """Whether the source a migration writes for ``type_`` builds a type that makes the same column on every
    portable dialect.  ``rebuilt`` remembers, by source text, what the type a text builds spells there (None: it
    builds none): the columns of a large schema repeat a few types, and each text is evaluated once."""
    try:
        source = type_source(type_)
    except NotWritable:
        return False
    if source.text not in rebuilt:
        try:
            built = source.evaluate()
        except Exception:  # noqa: BLE001 - any failure means the source does not rebuild the type
            built = None
        rebuilt[source.text] = _spellings(lambda name: _type_spelling(built, name)) \
            if isinstance(built, TypeEngine) else None
    spelled = rebuilt[source.text]
    return spelled is not None and spelled == _spellings(lambda name: _type_spelling(type_, name))


def _type_spelling(type_: TypeEngine, name: str) -> tuple[str, str | None, str | None]:
    d = dialect_for(name)
    return from_sqla(type_, d), collation_of(type_, d), type_.compile(dialect=d)


def _enum_changes(
    ops: tuple[o.Op, ...], tables: Iterable[sa.Table], before: Mapping[str, m.Enum]
) -> tuple[list[m.Enum], list[m.Enum]]:
    """The named enum types to create (used by a column ``ops`` write, not created before) and to drop
    (created before, used by no model)."""
    used: dict[str, m.Enum] = {}

    def note(column: m.Column, table: str | None) -> m.Column:
        if isinstance(column.type, TypeEngine):
            enum = named_enum(column.type)
            if enum is not None:
                used.setdefault(enum.key, enum)
        return column

    for op in ops:
        if isinstance(op, (o.CreateTable, o.AddColumn, o.AlterColumn)):
            _walk(op.table if isinstance(op, o.CreateTable) else op, note)
    modelled = {e.key for t in tables for c in t.columns if (e := named_enum(c.type)) is not None}
    creates = [e for key, e in used.items() if key not in before]
    drops = [e for key, e in sorted(before.items()) if key not in modelled]
    return creates, drops


def _unique_indexes(op: o.Op, tables: Mapping[str, sa.Table]) -> o.Op:
    """``op`` with each unique key that the models declare as a unique index (``sa.Index(..., unique=True)``)
    written as that index: MySQL has no unique constraint apart from a unique index, so the models and the
    database it was compared on both hold it as a unique constraint, which another database makes of it."""
    if isinstance(op, o.CreateTable):
        model = tables.get(op.table.key)
        indexes = {u: i for u in op.table.uniques if (i := _declared_index(model, u)) is not None}
        if not indexes:
            return op
        table = dataclasses.replace(
            op.table,
            uniques=tuple(u for u in op.table.uniques if u not in indexes),
            indexes=tuple(sorted(op.table.indexes + tuple(indexes.values()), key=lambda i: i.name)),
        )
        return dataclasses.replace(op, table=table)
    if isinstance(op, (o.AddConstraint, o.DropConstraint)) and isinstance(op.constraint, m.Unique):
        index = _declared_index(tables.get(m.qualified(op.table, op.schema)), op.constraint)
        if index is not None:
            return (o.CreateIndex if isinstance(op, o.AddConstraint) else o.DropIndex)(op.table, index, op.schema)
    return op


def _declared_index(model: sa.Table | None, unique: m.Unique) -> m.Index | None:
    """The unique index ``model`` declares that MySQL holds as ``unique``; None when it declares none."""
    if model is None or unique.name is None:
        return None
    for index in model.indexes:
        columns = tuple(c.name for c in index.columns)
        if index.name == unique.name and index.unique and len(index.expressions) == len(columns) == len(unique.columns) \
                and columns == unique.columns:
            return m.Index(unique.name, unique.columns, unique=True)
    return None


# --- walking operations ------------------------------------------------------------------------


def _walk(value: Any, change: Callable[[m.Column, str | None], m.Column], table: str | None = None) -> Any:
    """``value`` (an operation or a model value) with ``change(column, table key)`` applied to each column in it;
    the same object when nothing changed."""
    if isinstance(value, m.Column):
        return change(value, table)
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        items = tuple(_walk(v, change, table) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    if isinstance(value, m.Table):
        table = value.key
    elif isinstance(getattr(value, "table", None), str):
        table = m.qualified(value.table, getattr(value, "schema", None))  # type: ignore[attr-defined]
    changed = {}
    for name in _init_fields(type(value)):
        current = getattr(value, name)
        if isinstance(current, (m.Column, m.Table, tuple)):
            new = _walk(current, change, table)
            if new is not current:
                changed[name] = new
    return dataclasses.replace(value, **changed) if changed else value


@functools.cache
def _init_fields(kind: type) -> tuple[str, ...]:
    """The names of the fields dataclass ``kind`` is built from (once per class)."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.init)

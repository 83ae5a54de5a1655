"""The schema the migration history states, and the old sides of generated operations taken from it.

Replaying every migration's upgrade, parents first, gives the schema as the files
state it (:attr:`History.declared`: SQLAlchemy types and defaults as written);
:meth:`History.bound` spells a table of it for the database autogenerate compares
with.  Each file is read once; only the tables an operation touches are bound.

An operation that drops or alters an object carries the object as it was (its
old side), for its downgrade to re-create.  Compared on one database, that object
comes spelled that database's way (a MariaDB ``COLLATE utf8mb4_general_ci``, a
PostgreSQL ``(price >= (0)::numeric)``), which another database refuses or reads
as something else.  :func:`as_history_states` puts in its place the object as the
history states it, wherever the history's object, bound to this database, is the
one the database holds (under the differ's :class:`~dbshift.core.diff.Equivalence`);
an object the history does not state that way (drift, a change made by hand)
stays as the database reports it.
"""

from __future__ import annotations

from dataclasses import field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Union

from ..core import enum_columns
from ..core import model as m
from ..core import ops as o
from ..core.diff import Equivalence, diff_enums, diff_table, fold_enum_changes
from ..core.graph import RevisionGraph
from ..core.types import parse_type
from ..project import files
from ..sqla.dialect import MYSQL_FAMILY
from ..core.values import frozen

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from ..core.diff import Renames

OLD_SIDES = (m.Column, m.Table, m.PrimaryKey, m.ForeignKey, m.Unique, m.Check, m.Exclude, m.Index)
OldSide = Union[m.Column, m.Table, m.Constraint, m.Index]
"""What an operation that changes or removes something holds of it as it was."""


@frozen
class History:
    """What the migrations' upgrades leave, in order: the schema as the files state it (``declared``) and the
    enum types they create, by key; each table also bound to one database (:meth:`bound`), when asked for."""

    declared: m.Schema = m.Schema()
    enums: dict[str, m.Enum] = field(default_factory=dict)
    dialect: Dialect | None = field(default=None, compare=False)
    """The database :meth:`bound` binds to."""
    _bound: dict[str, m.Table | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def dialect_name(self) -> str:
        return self.dialect.name if self.dialect is not None else ""

    def bound(self, key: str) -> m.Table | None:
        """Table ``key`` as the history states it, its types and defaults spelled for :attr:`dialect` (position
        for position the declared table's objects); None when the history has no such table, or states a type
        or default that cannot be built there."""
        if key not in self._bound:
            self._bound[key] = self._bind(key)
        return self._bound[key]

    def _bind(self, key: str) -> m.Table | None:
        import sqlalchemy as sa

        from ..sqla.declared import bind

        if self.dialect is None or not self.declared.has_table(key):
            return None
        try:
            created = bind((o.CreateTable(self.declared.table(key)),), self.dialect)[0]
        except sa.exc.SQLAlchemyError:
            return None  # running that migration here fails too, and says why
        assert isinstance(created, o.CreateTable)
        return created.table


def replay(graph: RevisionGraph, dialect: Dialect) -> History:
    """The history of ``graph`` (every revision, parents first), to be bound to ``dialect``.

    An operation that does not apply to the schema replayed so far (its object
    was made by hand-written SQL, or is already there) leaves it unchanged, as
    hand-written steps do.  Alembic scripts state no operations and are not read.
    Binding a column does not change how operations apply, so the tables are
    bound after the replay, and only those asked for.
    """
    from ..project.alembic.scripts import is_script

    declared = m.Schema()
    enums: dict[str, m.Enum] = {}
    for rev_id in graph.topological():
        revision = graph.get(rev_id)
        if revision.path and is_script(Path(revision.path)):
            continue
        upgrade = files.load(revision).upgrade
        _note_enums(upgrade, enums)
        for op in upgrade:
            try:
                declared = op.apply(declared)
            except (KeyError, ValueError):
                continue
            if isinstance(op, o.AlterEnum):
                declared = _declared_values_changed(declared, op)
    return History(declared, enums, dialect)


def _declared_values_changed(declared: m.Schema, op: o.AlterEnum) -> m.Schema:
    """``declared`` with each column the files type with ``op``'s enum (``sa.Enum(..., name="mood")``) typed with
    its new values, and a default holding a renamed value renamed (type strings ``op.apply`` has changed)."""
    import sqlalchemy as sa

    from ..sqla.from_metadata import named_enum

    for table in declared.tables:
        columns = []
        for c in table.columns:
            if isinstance(c.type, sa.Enum) and getattr(named_enum(c.type), "key", None) == op.old.key:
                c = replace(c, type=_with_values(c.type, op.old, op.new),
                            default=enum_columns.renamed_default(c.default, op.renamed))
            columns.append(c)
        if tuple(columns) != table.columns:
            declared = declared.replace_table(table.key, replace(table, columns=tuple(columns)))
    return declared


def _with_values(type_: Any, old: m.Enum, new: m.Enum) -> Any:
    """A copy of ``type_`` (an ``sa.Enum``) with ``new``'s values; a length of its own is kept unless a new value
    is longer, one taken from the longest old value follows the new ones."""
    import sqlalchemy as sa

    length = type_.length if type_.length != enum_columns.longest(old.values) else None
    options: dict[str, Any] = {
        "name": type_.name, "schema": type_.schema, "native_enum": type_.native_enum,
        "create_constraint": type_.create_constraint, "validate_strings": type_.validate_strings,
    }
    if length is not None:
        options["length"] = max(length, enum_columns.longest(new.values))
    return sa.Enum(*new.values, **options)


def _note_enums(upgrade: Iterable[o.Op], enums: dict[str, m.Enum]) -> None:
    """Follow the enum types ``upgrade`` creates, alters and drops in ``enums`` (by key)."""
    for op in upgrade:
        if isinstance(op, o.CreateEnum):
            enums[op.enum.key] = op.enum
        elif isinstance(op, o.AlterEnum):
            enums.pop(op.old.key, None)
            enums[op.new.key] = op.new
        elif isinstance(op, o.DropEnum):
            enums.pop(op.enum.key, None)


# --- old sides as the history states them ---------------------------------------------------------


def as_history_states(
    upgrade: Iterable[o.Op], downgrade: Iterable[o.Op] | None, history: History, eq: Equivalence
) -> tuple[tuple[o.Op, ...], tuple[o.Op, ...] | None]:
    """``upgrade`` and ``downgrade`` with each old side of ``upgrade`` (the column an AlterColumn changes,
    the column, table, constraint or index a drop removes), wherever else it appears in them, as the
    history states it, when the history's object bound to the database is the one compared (``eq``).

    Both lists hold the objects as compared (type strings and SQL text), as the differ gave them.
    """
    upgrade = tuple(upgrade)
    found: dict[tuple[str, OldSide], OldSide] = {}
    for op in upgrade:
        old = _old_side(op)
        if old is not None:
            key, value = old
            stated = _stated(key, value, history, eq)
            if stated is not None:
                found[(key, value)] = stated
    if not found:
        return upgrade, None if downgrade is None else tuple(downgrade)
    up = tuple(_substituted(op, found) for op in upgrade)
    return up, None if downgrade is None else tuple(_substituted(op, found) for op in downgrade)


def has_old_sides(ops: Iterable[o.Op]) -> bool:
    """Whether any of ``ops`` changes or removes an object (which the history may state)."""
    return any(_old_side(op) is not None for op in ops)


def _old_side(op: o.Op) -> tuple[str, OldSide] | None:
    """(table key, the object as it was) for an operation that changes or removes one."""
    if isinstance(op, o.DropTable):
        return op.table.key, op.table
    if isinstance(op, o.AlterColumn):
        return m.qualified(op.table, op.schema), op.old
    if isinstance(op, o.DropColumn):
        return m.qualified(op.table, op.schema), op.column
    if isinstance(op, o.DropConstraint):
        return m.qualified(op.table, op.schema), op.constraint
    if isinstance(op, o.DropIndex):
        return m.qualified(op.table, op.schema), op.index
    return None


def _stated(key: str, value: OldSide, history: History, eq: Equivalence) -> OldSide | None:
    """``value`` (of table ``key``, as compared) as the history states it; None when it states no such object."""
    bound = history.bound(key)
    if bound is None:
        return None
    declared = history.declared.table(key)
    if isinstance(value, m.Table):
        return declared if not diff_table(value, _as_held(bound, history.dialect_name), eq) else None
    if isinstance(value, m.Column):
        if not bound.has_column(value.name) or not eq.same_column(value, bound.column(value.name)):
            return None
        return declared.column(value.name)
    if isinstance(value, m.Index):
        for candidate, stated_index in zip(bound.indexes, declared.indexes, strict=True):
            if not diff_table(_alone(key, value), _alone(key, candidate), eq):
                return stated_index
        return None
    for constraint, stated in zip(bound.constraints, declared.constraints, strict=True):
        if type(constraint) is type(value) and not diff_table(_alone(key, value), _alone(key, constraint), eq):
            return _as_named_by_the_database(stated, value)
    if isinstance(value, m.Unique) and history.dialect_name in MYSQL_FAMILY:
        return _unique_index(value, bound, declared)
    return None


def _as_named_by_the_database(stated: m.Constraint, held: m.Constraint) -> m.Constraint:
    """``stated`` with the database's naming of ``held``: no name where the database chose it (an older file
    may state the name dbshift used to predict), and the real name (and a foreign key's own index) to drop by."""
    kept: dict[str, object] = {f.name: getattr(held, f.name) for f in fields(held) if f.metadata.get("written") is False}
    if held.name is None:
        kept["name"] = None
    return replace(stated, **kept)  # type: ignore[arg-type]  # fields of the constraint's own class


def _as_held(table: m.Table, dialect: str) -> m.Table:
    """``table`` as ``dialect`` holds it: on MySQL, a unique index over whole columns is a unique key."""
    if dialect not in MYSQL_FAMILY:
        return table
    keys = [i for i in table.indexes if _is_unique_key(i, table)]
    if not keys:
        return table
    return replace(
        table,
        uniques=table.uniques + tuple(m.Unique(i.expressions, i.name) for i in keys),
        indexes=tuple(i for i in table.indexes if i not in keys),
    )


def _is_unique_key(index: m.Index, table: m.Table) -> bool:
    """Whether MySQL holds ``index`` of ``table`` as a unique key: unique, over whole columns of the table,
    with no method of its own."""
    plain = index.where is None and index.using is None and not index.include
    return index.unique and plain and all(table.has_column(e) for e in index.expressions)


def _unique_index(unique: m.Unique, bound: m.Table, declared: m.Table) -> m.Index | None:
    """The unique index the history states that MySQL holds as ``unique`` (it has no unique constraint
    apart from a unique index over whole columns)."""
    for index, stated in zip(bound.indexes, declared.indexes, strict=True):
        if _is_unique_key(index, bound) and index.name == unique.name and index.expressions == unique.columns:
            return stated
    return None


def _alone(key: str, value: m.Constraint | m.Index) -> m.Table:
    """A table holding nothing but ``value``: two such tables differ by what the differ finds between them."""
    if isinstance(value, m.Index):
        return m.Table(key, (), indexes=(value,))
    return m.Table(key, ()).with_constraint(value)


def _found(found: dict[tuple[str, OldSide], OldSide], key: str, value: OldSide) -> OldSide | None:
    """``value`` as the history states it, if ``found``; a NOT NULL column a downgrade first adds as nullable
    (to fill its rows) is found as nullable too."""
    stated = found.get((key, value))
    if stated is None and isinstance(value, m.Column) and value.nullable:
        strict = found.get((key, replace(value, nullable=False)))
        return replace(strict, nullable=True) if isinstance(strict, m.Column) else None
    return stated


def _substituted(op: o.Op, found: dict[tuple[str, OldSide], OldSide]) -> o.Op:
    """``op`` with each object ``found`` (by table key and value) replaced."""
    if isinstance(op, (o.CreateTable, o.DropTable)):
        table = found.get((op.table.key, op.table))
        return replace(op, table=table) if isinstance(table, m.Table) else op
    name = getattr(op, "table", None)
    if not isinstance(name, str):
        return op
    key = m.qualified(name, getattr(op, "schema", None))
    changed = {}
    for f in fields(op):  # type: ignore[arg-type]  # every operation is a dataclass
        value = getattr(op, f.name)
        if isinstance(value, OLD_SIDES):
            stated = _found(found, key, value)
            if stated is not None:
                changed[f.name] = stated
    index = changed.get("constraint")
    if isinstance(op, (o.AddConstraint, o.DropConstraint)) and isinstance(index, m.Index):
        # a MySQL unique key the history states as a unique index
        return (o.CreateIndex if isinstance(op, o.AddConstraint) else o.DropIndex)(op.table, index, op.schema)
    return replace(op, **changed) if changed else op  # type: ignore[type-var]


# --- changes only the history shows --------------------------------------------------------------


def with_autoincrement_changes(
    ops: Iterable[o.Op], model: m.Schema, database: m.Schema, history: History, eq: Equivalence
) -> tuple[o.Op, ...]:
    """``ops`` (in order) with the autoincrement changes the models make where ``eq`` does not compare
    autoincrement (SQLite, whose key numbers itself whatever the models say), as the history shows them:
    a column the history left numbering itself (or not) that the models now number otherwise is changed,
    so that the migration changes it on the databases that tell the difference."""
    from ..core.order import order

    ops = tuple(ops)
    if eq.compare_autoincrement:
        return ops
    altered = {(m.qualified(op.table, op.schema), op.old.name): op for op in ops if isinstance(op, o.AlterColumn)}
    changed: dict[tuple[str, str], o.AlterColumn] = {}
    for table in model.tables:
        if not (database.has_table(table.key) and history.declared.has_table(table.key)):
            continue
        now, declared = database.table(table.key), history.declared.table(table.key)
        for column in table.columns:
            if not (now.has_column(column.name) and declared.has_column(column.name)):
                continue
            if declared.column(column.name).autoincrement == column.autoincrement:
                continue  # (binding keeps a column's autoincrement: only tables with a change are bound)
            stated = history.bound(table.key)
            before, was = now.column(column.name), stated.column(column.name) if stated is not None else None
            if was is None or not eq.same_column(before, was):
                continue
            op = altered.get((table.key, column.name))
            old, new = (op.old, op.new) if op is not None else (before, column)
            changed[(table.key, column.name)] = o.AlterColumn(
                table.name, replace(old, autoincrement=was.autoincrement),
                replace(new, autoincrement=column.autoincrement), table.schema, op.accept_loss if op else False,
            )
    if not changed:
        return ops
    replaced = {id(altered[k]) for k in changed if k in altered}
    return tuple(order([op for op in ops if id(op) not in replaced] + list(changed.values())))


# --- named enum types on a database without them ---------------------------------------------------


def with_enum_value_changes(
    ops: Iterable[o.Op], history: History, metadata: Any, database: m.Schema, renames: Renames, eq: Equivalence
) -> tuple[o.Op, ...]:
    """``ops`` (compared on a database without enum types: SQLite, MySQL, MariaDB) with the changes of values of
    the named enum types the history created and the models still use (:func:`enum_value_changes`), in place of
    the changes to their columns those make (:func:`~dbshift.core.diff.fold_enum_changes`): the same migration
    then changes PostgreSQL's enum type, and the columns of the databases that hold the values in each column."""
    from ..core.order import order

    ops = tuple(ops)
    changes = enum_value_changes(history, metadata, database, renames)
    if not changes:
        return ops
    return tuple(order([*changes, *fold_enum_changes(ops, changes, eq)]))


def enum_value_changes(history: History, metadata: Any, database: m.Schema, renames: Renames) -> list[o.AlterEnum]:
    """A change of values for each named enum type whose values the models (``sa.Enum(..., name=…)`` in
    ``metadata``) and the history (as its migrations leave it) both have, and differ on.

    Each names the columns of ``database`` the models type with it and the history typed with it too (or, for a
    column the history does not state, whose type holds exactly its old values): a column only now becoming
    one of the type is changed by its own AlterColumn.
    """
    from ..sqla.from_metadata import named_enum

    if not history.enums:  # nothing the history made whose values could change
        return []
    modelled: dict[str, m.Enum] = {}
    typed: dict[tuple[str, str], str] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            enum = named_enum(column.type)
            if enum is not None:
                modelled.setdefault(enum.key, enum)
                typed[(m.qualified(table.name, table.schema), column.name)] = enum.key
    before = [e for key, e in sorted(history.enums.items()) if key in modelled]
    if not before:
        return []

    def users(enum: m.Enum) -> tuple[tuple[str, str], ...]:
        return tuple(
            (t.key, c.name) for t in database.tables for c in t.columns
            if typed.get((t.key, c.name)) == enum.key and _typed_with(history.declared, t.key, c, enum)
        )

    found = diff_enums(m.Schema.of(enums=before), m.Schema.of(enums=[modelled[e.key] for e in before]), renames, users)
    return [op for op in found if isinstance(op, o.AlterEnum)]


def _typed_with(declared: m.Schema, key: str, column: m.Column, enum: m.Enum) -> bool:
    """Whether the history types column ``column`` of table ``key`` with enum type ``enum`` (by its name); for a
    column it does not state, whether the database's type of it holds exactly the enum's values."""
    from ..sqla.from_metadata import named_enum

    if declared.has_table(key) and declared.table(key).has_column(column.name):
        stated = declared.table(key).column(column.name).type
        if isinstance(stated, str):
            spec = parse_type(stated.removesuffix("[]"))
            return spec.enum_name == enum.key or (spec.enum_name is None and spec.values == enum.values)
        found = named_enum(stated)
        return found is not None and found.key == enum.key
    spec = parse_type(column.type)
    if spec.is_enum:
        return spec.values == enum.values
    return spec.name in ("varchar", "char") and spec.args == (enum_columns.longest(enum.values),)

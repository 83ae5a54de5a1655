"""The differ: compare two schemas and return the operations that turn one into the other.

One small function per object kind; each returns an unordered list of ops.
Ordering by dependencies is :mod:`dbshift.core.order`'s job.  The differ never
does I/O and never prompts: dialect-specific equivalences come in through an
:class:`Equivalence`, rename decisions through a :class:`Renames` policy.

Constraint names matter only when both sides have one (:func:`names_agree`): a
constraint the models leave unnamed, or one whose name the database chose
(reflection reads it as unnamed), is matched by what it does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Protocol

from . import ops as o
from .enum_columns import Users, changed_check, changed_column, named_users
from .objects import DbObject, by_id, dependants
from .model import (
    Check, Column, Constraint, Enum, Exclude, ForeignKey, Index, PrimaryKey, Schema, Statistics, Table, Unique,
    qualified,
    serial_sequence_name,
)
from .values import frozen


def _same(x: str) -> str:
    return x


@frozen
class Equivalence:
    """How a dialect decides that two spellings mean the same thing.

    Each function maps a value to a canonical form; two values are equal when
    their canonical forms are.  The identity functions compare spellings as is.
    """

    type: Callable[[str], str] = _same
    default: Callable[[str], str] = _same
    expression: Callable[[str], str] = _same
    same_collation: Callable[[str | None, str | None], bool] = lambda current, target: current == target
    compare_autoincrement: bool = True

    def same_column(self, a: Column, b: Column) -> bool:
        return (
            self.type(a.type) == self.type(b.type)
            and a.nullable == b.nullable
            and self._opt(self.default, a.default) == self._opt(self.default, b.default)
            and (not self.compare_autoincrement or a.autoincrement == b.autoincrement)
            and a.identity == b.identity
            and self._opt(self.expression, a.computed) == self._opt(self.expression, b.computed)
            and (a.computed is None or a.virtual == b.virtual)
            and (a.comment or None) == (b.comment or None)
            and self.same_collation(a.collation, b.collation)
        )

    @staticmethod
    def _opt(f: Callable[[str], str], value: str | None) -> str | None:
        return None if value is None else f(value)


class Renames(Protocol):
    """Decides whether a vanished object and a new one are the same, renamed."""

    def table(self, old: Table, new: Table) -> bool: ...

    def column(self, table: str, old: Column, new: Column) -> bool: ...

    def enum_value(self, enum: str, old: str, new: str) -> bool: ...


class NoRenames:
    """Never treat anything as a rename."""

    def table(self, old: Table, new: Table) -> bool:
        return False

    def column(self, table: str, old: Column, new: Column) -> bool:
        return False

    def enum_value(self, enum: str, old: str, new: str) -> bool:
        return False


_NO_RENAMES = NoRenames()


def diff(
    current: Schema,
    target: Schema,
    eq: Equivalence = Equivalence(),
    renames: Renames = _NO_RENAMES,
) -> list[o.Op]:
    """Operations (unordered) that turn ``current`` into ``target``."""
    result: list[o.Op] = []
    result += diff_enums(current, target, renames)
    old_tables = {t.key: t for t in current.tables}
    new_tables = {t.key: t for t in target.tables}
    renamed = _table_renames(old_tables, new_tables, renames)
    for old_key, new_key in renamed.items():
        old = old_tables.pop(old_key)
        new = new_tables[new_key]
        result.append(o.RenameTable(old.name, new.name, old.schema))
        old_tables[new_key] = replace(old, name=new.name)
    for key in sorted(old_tables.keys() - new_tables.keys()):
        result.append(o.DropTable(old_tables[key]))
    for key in sorted(new_tables.keys() - old_tables.keys()):
        result.append(o.CreateTable(new_tables[key]))
    for key in sorted(old_tables.keys() & new_tables.keys()):
        if old_tables[key] != new_tables[key]:  # an equal table has nothing to change (a law of diff_table)
            result += diff_table(old_tables[key], new_tables[key], eq, renames)
    result += diff_sequences(current, target)
    result += diff_schemas(current, target)
    result += diff_objects(current, target, result)
    return result


def _table_renames(old: dict[str, Table], new: dict[str, Table], renames: Renames) -> dict[str, str]:
    gone = [old[k] for k in sorted(old.keys() - new.keys())]
    came = [new[k] for k in sorted(new.keys() - old.keys())]
    decided: dict[str, str] = {}
    for g in gone:
        for c in came:
            if c.key not in decided.values() and g.schema == c.schema and renames.table(g, c):
                decided[g.key] = c.key
                break
    return decided


def diff_table(old: Table, new: Table, eq: Equivalence, renames: Renames = _NO_RENAMES) -> list[o.Op]:
    """Operations that turn table ``old`` into ``new`` (same key).

    A change of how a table is partitioned (``PARTITION BY``, which only ``CREATE TABLE`` states) drops the
    table and creates it anew: :class:`~dbshift.core.ops.DropTable` names the rows it loses.
    """
    if not same_partitioning(old.partition_by, new.partition_by, eq):
        return [o.DropTable(old), o.CreateTable(new)]
    result: list[o.Op] = []
    result += diff_parents(old, new)
    result += diff_columns(old, new, eq, renames)
    result += diff_statistics_targets(old, new)
    original = old
    column_renames: list[o.Op] = [op for op in result if isinstance(op, o.RenameColumn)]
    if column_renames:
        old = o.apply_all(Schema.of([old]), column_renames).tables[0]
    keys = diff_primary_key(old, new)
    for part, diff_part in _KEY_PARTS:  # equal lists pair up one by one: nothing to drop or add
        if getattr(old, part) != getattr(new, part):
            keys += diff_part(old, new, eq)
    result += [_as_before_renames(op, original, old) for op in keys]
    if (old.comment or None) != (new.comment or None):
        result.append(o.AlterTableComment(new.name, old.comment, new.comment, new.schema))
    if old.unlogged != new.unlogged:
        result.append(o.AlterTableLogging(new.name, new.unlogged, new.schema))
    if old.cluster_on != new.cluster_on:
        result.append(o.AlterTableCluster(new.name, old.cluster_on, new.cluster_on, new.schema))
    if old.options != new.options:
        result.append(o.AlterTableOptions(new.name, old.options, new.options, new.schema))
    result += diff_statistics(old, new, eq)
    return result


def same_partitioning(a: str | None, b: str | None, eq: Equivalence = Equivalence()) -> bool:
    """Whether two ``PARTITION BY`` clauses (``RANGE (logdate)``) spread rows alike: the same strategy and
    the same key, each element compared as an expression."""
    if a is None or b is None:
        return a is None and b is None
    return _partitioning_key(a, eq) == _partitioning_key(b, eq)


def _partitioning_key(clause: str, eq: Equivalence) -> tuple:
    strategy, _, rest = clause.strip().partition("(")
    elements = split_top_level(rest.rstrip().removesuffix(")"))
    return (strategy.strip().upper(), tuple(eq.expression(e.strip()) for e in elements))


def split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def diff_parents(old: Table, new: Table) -> list[o.Op]:
    """Inheritance (``INHERIT``/``NO INHERIT``) and partitions (``ATTACH``/``DETACH PARTITION``): a
    partition whose bound changes is detached and attached again, its rows kept."""
    result: list[o.Op] = [
        o.AlterTableInherit(new.name, p, False, new.schema) for p in old.inherits if p not in new.inherits
    ]
    result += [o.AlterTableInherit(new.name, p, True, new.schema) for p in new.inherits if p not in old.inherits]
    if old.partition_of != new.partition_of:
        if old.partition_of is not None:
            result.append(o.DetachPartition(new.name, old.partition_of, new.schema))
        if new.partition_of is not None:
            result.append(o.AttachPartition(new.name, new.partition_of, new.schema))
    return result


def diff_statistics(old: Table, new: Table, eq: Equivalence) -> list[o.Op]:
    """Extended statistics, matched by name; one whose columns or kinds change is dropped and created again."""

    def key(s: Statistics) -> tuple:
        return (s.name, tuple(eq.expression(e) for e in s.expressions), tuple(sorted(s.kinds)))

    dropped, added = _match(old.statistics, new.statistics, key)
    return [o.DropStatistics(new.name, s, new.schema) for s in dropped] + [
        o.CreateStatistics(new.name, s, new.schema) for s in added
    ]


def diff_statistics_targets(old: Table, new: Table) -> list[o.Op]:
    """Columns of both whose statistics target (``SET STATISTICS``) differs."""
    before = {c.name: c.statistics_target for c in old.columns}
    return [
        o.AlterColumnStatistics(new.name, c.name, before[c.name], c.statistics_target, new.schema)
        for c in new.columns
        if c.name in before and before[c.name] != c.statistics_target
    ]


def _as_before_renames(op: o.Op, original: Table, renamed: Table) -> o.Op:
    """A drop found on the table with its columns renamed, naming the columns as they are when it runs.

    Drops run before renames (see :mod:`.order`), so they carry the constraint or
    index as the database still has it.
    """
    if isinstance(op, o.DropConstraint):
        for after, before in zip(renamed.constraints, original.constraints, strict=True):
            if after == op.constraint:
                return replace(op, constraint=before)
    if isinstance(op, o.DropIndex):
        for after_index, before_index in zip(renamed.indexes, original.indexes, strict=True):
            if after_index == op.index:
                return replace(op, index=before_index)
    return op


def diff_columns(old: Table, new: Table, eq: Equivalence, renames: Renames) -> list[o.Op]:
    """Columns added, dropped, renamed and altered.

    A column a table only has from its parents (``inherited_columns``) is the parent's: it is not added
    to the table (the parent's ``ADD COLUMN`` adds it) unless the table is about to inherit it, and its
    type is the parent's to change; what a child may set on its own (default, ``NOT NULL``, comment) is
    compared.  One the table had from a parent it keeps and now holds as its own can only come back
    once the parent has dropped it: it is dropped (with the parent's) and added again, its values lost.
    """
    result: list[o.Op] = []
    old_cols = {c.name: c for c in old.columns}
    new_cols = {c.name: c for c in new.columns}
    kept_parents = set(old.parents) <= set(new.parents)
    gained_parents = not set(new.parents) <= set(old.parents)
    for name in [n for n in old_cols if n in new_cols]:
        if name in old.inherited_columns and name not in new.inherited_columns and kept_parents:
            result.append(o.DropColumn(new.name, old_cols.pop(name), new.schema))
    gone = [c for c in old.columns if c.name not in new_cols]
    came = [
        c for c in new.columns
        if c.name not in old_cols and (c.name not in new.inherited_columns or gained_parents)
    ]
    for g in gone:
        for c in came:
            if renames.column(new.key, g, c):
                result.append(o.RenameColumn(new.name, g.name, c.name, new.schema))
                came.remove(c)
                old_cols.pop(g.name)
                old_cols[c.name] = replace(g, name=c.name)
                break
        else:
            result.append(o.DropColumn(new.name, g, new.schema))
    for c in came:
        result.append(o.AddColumn(new.name, c, new.schema))
    for name, before in old_cols.items():
        after = new_cols.get(name)
        if after is not None and (name in old.inherited_columns or name in new.inherited_columns):
            after = _as_child_sets(before, after)
        if after is not None and not eq.same_column(before, after):
            if not eq.compare_autoincrement:
                after = replace(after, autoincrement=before.autoincrement)
            result.append(o.AlterColumn(new.name, before, after, new.schema))
    return result


def _as_child_sets(before: Column, after: Column) -> Column:
    """``after``, an inherited column, with only what a child table sets on its own changed from ``before``:
    default, comment, and ``NOT NULL`` (a child may add it; dropping it is the parent's to do)."""
    return replace(
        before,
        default=after.default,
        comment=after.comment,
        nullable=before.nullable and after.nullable,
        statistics_target=after.statistics_target,
    )


def diff_primary_key(old: Table, new: Table) -> list[o.Op]:
    a, b = old.primary_key, new.primary_key
    if _pk_key(a) == _pk_key(b):
        return []  # a primary key's name is not compared: renaming a table keeps the old one
    result: list[o.Op] = []
    if a is not None:
        result.append(o.DropConstraint(new.name, a, new.schema))
    if b is not None:
        result.append(o.AddConstraint(new.name, b, new.schema))
    return result


def _pk_key(pk: PrimaryKey | None) -> tuple | None:
    return (pk.columns, pk.deferrable, pk.initially_deferred) if pk and pk.columns else None


def names_agree(a: Constraint | Index, b: Constraint | Index) -> bool:
    """The one rule for names: they matter only when both sides have one.

    A constraint the models leave unnamed, or one whose name the database chose
    (reflection reads those as unnamed), is matched by what it does.
    """
    return a.name is None or b.name is None or a.name == b.name


def _match(old: Iterable, new: Iterable, key: Callable) -> tuple[list, list]:
    """Pair constraints by ``key`` (and name when both named); return (dropped, added)."""
    remaining = list(new)
    dropped = []
    for a in old:
        found = next((b for b in remaining if key(a) == key(b) and names_agree(a, b)), None)
        if found is None:
            dropped.append(a)
        else:
            remaining.remove(found)
    return dropped, remaining


def constraint_key(c: Constraint, eq: Equivalence = Equivalence()) -> tuple:
    """What a constraint does, whatever its name: two constraints with the same key are the same one."""
    if isinstance(c, PrimaryKey):
        return ("p", _pk_key(c))
    if isinstance(c, ForeignKey):
        return ("f", _fk_key(c))
    if isinstance(c, Unique):
        return ("u", c.columns, c.deferrable, c.initially_deferred)
    if isinstance(c, Check):
        return ("c", eq.expression(c.sqltext))
    return ("x", _exclude_key(c, eq))


def find_constraint(table: Table, c: Constraint, eq: Equivalence = Equivalence()) -> Constraint | None:
    """``table``'s constraint that is ``c``: the one going by ``c``'s name, else, by the rule of
    :func:`names_agree`, one doing the same with no name on one side or the other."""
    same_kind = [x for x in table.constraints if type(x) is type(c)]
    named = next((x for x in same_kind if c.name and c.name in (x.name, x.server_name)), None)
    if named is not None:
        return named
    key = constraint_key(c, eq)
    return next((x for x in same_kind if names_agree(x, c) and constraint_key(x, eq) == key), None)


def _fk_key(fk: ForeignKey) -> tuple:
    return (fk.signature, fk.on_delete, fk.on_update, fk.deferrable, fk.initially_deferred)


def diff_foreign_keys(old: Table, new: Table) -> list[o.Op]:
    dropped, added = _match(old.foreign_keys, new.foreign_keys, _fk_key)
    return _constraint_ops(new, dropped, added)


def diff_uniques(old: Table, new: Table) -> list[o.Op]:
    dropped, added = _match(old.uniques, new.uniques, lambda u: (u.columns, u.deferrable, u.initially_deferred))
    return _constraint_ops(new, dropped, added)


def diff_checks(old: Table, new: Table, eq: Equivalence) -> list[o.Op]:
    dropped, added = _match(old.checks, new.checks, lambda c: eq.expression(c.sqltext))
    return _constraint_ops(new, dropped, added)


def _exclude_key(x: Exclude, eq: Equivalence) -> tuple:
    elements = tuple((eq.expression(e.rsplit(" WITH ", 1)[0]), e.rsplit(" WITH ", 1)[-1]) for e in x.elements)
    where = eq.expression(x.where) if x.where else None
    return (elements, x.using, where, x.include, x.deferrable, x.initially_deferred)


def diff_excludes(old: Table, new: Table, eq: Equivalence) -> list[o.Op]:
    """Exclusion constraints compared by what they do: each element's expression (normalised) and
    operator, the method, the predicate, included columns and deferrability."""
    dropped, added = _match(old.excludes, new.excludes, lambda x: _exclude_key(x, eq))
    return _constraint_ops(new, dropped, added)


def _constraint_ops(table: Table, dropped: list, added: list) -> list[o.Op]:
    return [o.DropConstraint(table.name, c, table.schema) for c in dropped] + [
        o.AddConstraint(table.name, c, table.schema) for c in added
    ]


def diff_indexes(old: Table, new: Table, eq: Equivalence) -> list[o.Op]:
    def key(i: Index) -> tuple:
        where = eq.expression(i.where) if i.where else None
        return (i.name, tuple(eq.expression(e) for e in i.expressions), i.unique, where, i.using or None, i.include)

    dropped, added = _match(old.indexes, new.indexes, key)
    return [o.DropIndex(new.name, i, new.schema) for i in dropped] + [
        o.CreateIndex(new.name, i, new.schema) for i in added
    ]


#: a table's lists of constraints and indexes (its primary key is compared apart), each with its differ
_KEY_PARTS: tuple[tuple[str, Callable[[Table, Table, Equivalence], list[o.Op]]], ...] = (
    ("foreign_keys", lambda old, new, eq: diff_foreign_keys(old, new)),
    ("uniques", lambda old, new, eq: diff_uniques(old, new)),
    ("checks", diff_checks),
    ("excludes", diff_excludes),
    ("indexes", diff_indexes),
)


def diff_enums(
    current: Schema,
    target: Schema,
    renames: Renames = _NO_RENAMES,
    users: Callable[[Enum], Users] | None = None,
) -> list[o.Op]:
    """Enum types to drop, create, and change the values of.

    A change names the columns of the type (``AlterEnum.columns``), for the
    databases that hold its values in each column: ``users(enum)``, by default
    those of ``current`` typed with it by name (as PostgreSQL's are).
    """
    old = {e.key: e for e in current.enums}
    new = {e.key: e for e in target.enums}
    result: list[o.Op] = [o.DropEnum(old[k]) for k in sorted(old.keys() - new.keys())]
    result += [o.CreateEnum(new[k]) for k in sorted(new.keys() - old.keys())]
    for k in sorted(old.keys() & new.keys()):
        if old[k] != new[k]:
            renamed = _value_renames(k, old[k].values, new[k].values, renames)
            columns = users(old[k]) if users is not None else named_users(current, k)
            result.append(o.AlterEnum(old[k], new[k], renamed, columns))
    return result


def fold_enum_changes(ops: Iterable[o.Op], changes: Iterable[o.AlterEnum], eq: Equivalence) -> list[o.Op]:
    """``ops`` without what the enum ``changes`` do to the columns they name (see
    :mod:`~dbshift.core.enum_columns`): an AlterColumn of such a column keeps only what else it changes, from the
    column as the change leaves it (none is left when nothing else changes), and a CHECK the change rewrites is
    neither dropped nor added again.

    ``ops`` compare a database that holds an enum's values in each column with the models, so they change
    those columns themselves; with ``changes`` run first, they must not do it twice.
    """
    named: dict[tuple[str, str], o.AlterEnum] = {}
    for change in changes:
        named.update({column: change for column in change.columns or ()})
    result = []
    for op in ops:
        if isinstance(op, o.AlterColumn) and (qualified(op.table, op.schema), op.old.name) in named:
            change = named[(qualified(op.table, op.schema), op.old.name)]
            old = changed_column(op.old, change.old, change.new, change.renamed)
            if eq.same_column(old, op.new):
                continue
            op = replace(op, old=old)
        result.append(op)
    return _without_rewritten_checks(result, named, eq)


def _without_rewritten_checks(
    ops: list[o.Op], named: dict[tuple[str, str], o.AlterEnum], eq: Equivalence
) -> list[o.Op]:
    """``ops`` without each CHECK dropped and added again as an enum change named in ``named`` rewrites it."""
    adds = [op for op in ops if isinstance(op, o.AddConstraint) and isinstance(op.constraint, Check)]
    gone: set[int] = set()
    for op in ops:
        if not (isinstance(op, o.DropConstraint) and isinstance(op.constraint, Check)):
            continue
        key, check = qualified(op.table, op.schema), op.constraint
        for (table, column), change in named.items():
            if table != key:
                continue
            rewritten = changed_check(check.sqltext, (column,), change.old, change.new)
            if rewritten == check.sqltext:
                continue
            added = next((a for a in adds if id(a) not in gone and qualified(a.table, a.schema) == key
                          and eq.expression(a.constraint.sqltext) == eq.expression(rewritten)  # type: ignore[union-attr]
                          and names_agree(a.constraint, check)), None)
            if added is not None:
                gone |= {id(op), id(added)}
                break
    return [op for op in ops if id(op) not in gone]


def _value_renames(
    enum: str, old: tuple[str, ...], new: tuple[str, ...], renames: Renames
) -> tuple[tuple[str, str], ...]:
    gone = [v for v in old if v not in new]
    came = [v for v in new if v not in old]
    pairs = []
    for g in gone:
        for c in came:
            if renames.enum_value(enum, g, c):
                pairs.append((g, c))
                came.remove(c)
                break
    return tuple(pairs)


def diff_sequences(current: Schema, target: Schema) -> list[o.Op]:
    """Standalone sequences; one that becomes (or stops being) a serial column's own is attached (detached)."""
    old = {s.key: s for s in current.sequences}
    new = {s.key: s for s in target.sequences}
    result: list[o.Op] = []
    if old.keys() == new.keys():  # nothing created or dropped: no serial column's own sequence to look for
        return [o.AlterSequence(old[k], new[k]) for k in sorted(old) if old[k] != new[k]]
    serial_old, serial_new = _serial_sequences(current, target), _serial_sequences(target, current)
    for k in sorted(old.keys() - new.keys()):
        owner = serial_new.get(k)
        if owner and k not in serial_old:
            result.append(o.AttachSequence(owner.name, owner.column, old[k], owner.schema))
        else:
            result.append(o.DropSequence(old[k]))
    for k in sorted(new.keys() - old.keys()):
        owner = serial_old.get(k)
        if owner and k not in serial_new:
            result.append(o.DetachSequence(owner.name, owner.column, new[k], owner.schema))
        else:
            result.append(o.CreateSequence(new[k]))
    for k in sorted(old.keys() & new.keys()):
        if old[k] != new[k]:
            result.append(o.AlterSequence(old[k], new[k]))
    return result


@frozen
class _SerialColumn:
    """A column numbered by a sequence of its own (SERIAL): ``name`` is the sequence."""

    name: str
    column: str
    schema: str | None


def _serial_sequences(schema: Schema, other: Schema) -> dict[str, _SerialColumn]:
    """The sequence key behind each serial column of ``schema`` whose table and column ``other`` has too."""
    return {
        qualified(serial_sequence_name(t.name, c.name), t.schema): _SerialColumn(t.name, c.name, t.schema)
        for t in schema.tables
        for c in t.columns
        if c.autoincrement and c.identity is None and other.has_table(t.key) and other.table(t.key).has_column(c.name)
    }


def diff_schemas(current: Schema, target: Schema) -> list[o.Op]:
    """Create the database schemas only ``target`` has; drop those only ``current`` has."""
    old, new = set(current.schemas), set(target.schemas)
    return [o.DropSchema(s) for s in sorted(old - new)] + [o.CreateSchema(s) for s in sorted(new - old)]



def diff_objects(current: Schema, target: Schema, table_ops: Iterable[o.Op] = ()) -> list[o.Op]:
    """Create, drop and change views, functions, triggers…; and drop and re-create, around ``table_ops``,
    the unchanged ones those operations would break, with every object that requires them.

    A changed object is replaced in place when its new version allows it (same shape: a view's columns,
    a function's result); otherwise it is dropped and created, and so are the objects that require it.
    An object of a table that ``table_ops`` drop (a trigger) goes with it, whatever ``target`` says.
    """
    table_ops = list(table_ops)
    dropped = {op.table.key for op in table_ops if isinstance(op, o.DropTable)}
    old = by_id(current.objects)
    new = {k: x for k, x in by_id(target.objects).items() if x.table is None or x.table not in dropped}
    result: list[o.Op] = [o.DropObject(old[k]) for k in sorted(old.keys() - new.keys())]
    result += [o.CreateObject(new[k]) for k in sorted(new.keys() - old.keys())]
    recreated: set[str] = set()
    for k in sorted(old.keys() & new.keys()):
        a, b = old[k], new[k]
        if a == b:
            continue
        if a.replaceable_by(b) and b.replaceable_by(a):
            result.append(o.ReplaceObject(a, b))
        else:
            recreated.add(k)
    kept = [old[k] for k in sorted(old.keys() & new.keys()) if k not in recreated]
    recreated |= {x.id for x in kept if any(_breaks(op, x) for op in table_ops)}
    gone = (old.keys() - new.keys()) | recreated
    recreated |= {x.id for x in dependants(kept, gone)}
    result = [op for op in result if not (isinstance(op, o.ReplaceObject) and op.old.id in recreated)]
    for k in sorted(recreated):
        result += [o.DropObject(old[k]), o.CreateObject(new[k])]
    return result


def _breaks(op: o.Op, obj: DbObject) -> bool:
    """Whether ``op`` fails, or leaves ``obj`` broken, while ``obj`` exists.

    PostgreSQL refuses to drop a table or column an object uses, or to change such a column's type;
    objects that ``survives_alters`` (kept as text) break only when what they use is dropped.
    """
    if isinstance(op, o.DropTable):
        return obj.uses(op.table.key)
    if isinstance(op, o.DropColumn):
        return obj.uses(qualified(op.table, op.schema), op.column.name)
    if isinstance(op, o.AlterColumn) and not obj.survives_alters:
        return op.old.type != op.new.type and obj.uses(qualified(op.table, op.schema), op.old.name)
    if isinstance(op, o.AlterEnum) and not op.in_place and not obj.survives_alters:
        # its columns change type; an object naming the type itself (``enum:`` and its key) needs the new one
        return f"enum:{op.old.key}" in obj.requires or any(obj.uses(table, column) for table, column in op.columns or ())
    return False

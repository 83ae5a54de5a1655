"""Objects the schema model does not cover, and what a plan does to them.

dbshift compares tables, columns, constraints, indexes, enums, sequences,
schemas and comments.  Views, functions, triggers, domains, extensions,
policies, rules and the like are read as :class:`Unmodelled` values (kind,
name, a digest of their normalised definition, the tables and columns they
depend on) so that nothing escapes unnoticed:

* :func:`differences` says which of them differ between two databases
  (``dbshift diff`` cannot write that change, so it reports it);
* :func:`dependants` says which of them a plan breaks or removes (a view on a
  dropped column makes the ``DROP`` fail).  One kept as text
  (``survives_alters``) is named only when a column it uses is dropped.

Pure values, no I/O.
"""

from __future__ import annotations

from typing import Iterable

from . import ops as o
from .model import qualified
from .objects import DbObject
from .values import frozen

#: a dependency on every column of a table: any change of the table's structure breaks the object
EVERY_COLUMN = "*"

#: kind → plural, for "dbshift diff does not compare views"
PLURALS = {
    "view": "views", "materialized view": "materialized views", "function": "functions",
    "procedure": "procedures", "aggregate": "aggregates", "trigger": "triggers",
    "composite type": "composite types", "range type": "range types", "domain": "domains", "extension": "extensions",
    "policy": "policies", "rule": "rules", "event": "events", "statistics": "extended statistics",
    "row-level security": "row-level security settings", "storage parameters": "storage parameters",
    "statistics target": "statistics targets", "privileges": "privileges (grants)",
}


@frozen
class Unmodelled:
    """An object dbshift does not model.

    ``name`` is as the database qualifies it (``public.v``, ``trg on public.users``);
    ``digest`` identifies its normalised definition; ``depends_on`` holds
    ``(table key, column)`` pairs, the column ``None`` for the table as a whole
    and :data:`EVERY_COLUMN` for all of its columns; ``table`` is the key of the
    table a trigger, policy or rule belongs to (it goes when the table goes).
    ``survives_alters``: a change of the table that keeps the columns the object
    uses keeps it working (SQLite, whose table rebuilds re-create triggers and
    leave views as written): only dropping one of those columns breaks it.
    """

    kind: str
    name: str
    digest: str
    depends_on: frozenset[tuple[str, str | None]] = frozenset()
    table: str | None = None
    survives_alters: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def plural(self) -> str:
        return PLURALS.get(self.kind, f"{self.kind}s")


@frozen
class Difference:
    """An unmodelled object present in one database only (``where`` is "A" or "B") or in both but different."""

    object: Unmodelled
    where: str | None  # None: in both, with different definitions

    def describe(self) -> str:
        if self.where is None:
            return f"{self.object.label} differs between A and B"
        return f"{self.object.label} is only in {self.where}"

    @property
    def not_compared(self) -> str:
        return f"dbshift diff does not compare {self.object.plural}"


def differences(a: Iterable[Unmodelled], b: Iterable[Unmodelled]) -> tuple[Difference, ...]:
    """What differs between the unmodelled objects of database A and of database B, sorted by kind and name."""
    in_a = {(u.kind, u.name): u for u in a}
    in_b = {(u.kind, u.name): u for u in b}
    found = []
    for key in sorted(in_a.keys() | in_b.keys()):
        x, y = in_a.get(key), in_b.get(key)
        if x is None and y is not None:
            found.append(Difference(y, "B"))
        elif y is None and x is not None:
            found.append(Difference(x, "A"))
        elif x is not None and y is not None and x.digest != y.digest:
            found.append(Difference(y, None))
    return tuple(found)


@frozen
class Dependant:
    """An unmodelled object that depends on a table or column an operation drops or changes."""

    object: Unmodelled | DbObject
    target: str  # "table users" or "column users.email"
    change: str  # what the plan does to the target: "drops", "changes the type of", "alters"
    goes_with_table: bool = False  # a trigger, policy or rule of a dropped table: dropped with it
    recreated: bool = False  # the plan re-creates it as it was, which fails: it still uses the target

    def describe(self, plan: str = "this migration") -> str:
        what = f"{self.object.label} depends on {self.target}, which {plan} {self.change}"
        if self.change == "changes the type of":
            what = f"{self.object.label} depends on {self.target}, whose type {plan} changes"
        if self.recreated:
            return (
                f"{what}: re-creating the {self.object.kind} as it is will fail; change it (or drop it) "
                "in a hand-written step first"
            )
        if self.goes_with_table:
            return (
                f"{what}: the {self.object.kind} is dropped with the table; re-create it by hand if it is still needed"
            )
        return f"{what}: drop and re-create the {self.object.kind} in a hand-written step"


def recreated_over_dropped(plan: Iterable[o.Op]) -> tuple[Dependant, ...]:
    """The objects ``plan`` drops and re-creates as they were although they use a column or table it drops
    (a view the models do not declare, over a column they no longer have): that re-creation fails."""
    plan = tuple(plan)
    dropped_columns = {(qualified(op.table, op.schema), op.column.name) for op in plan if isinstance(op, o.DropColumn)}
    dropped_tables = {op.table.key for op in plan if isinstance(op, o.DropTable)}
    found = []
    for op in plan:
        if not isinstance(op, o.CreateObject) or not any(
            isinstance(d, o.DropObject) and d.object == op.object for d in plan
        ):
            continue
        obj = op.object
        for table, column in obj.depends_on:
            if table in dropped_tables and obj.table != table:
                found.append(Dependant(obj, f"table {table}", "drops", recreated=True))
            elif (table, column) in dropped_columns:
                found.append(Dependant(obj, f"column {table}.{column}", "drops", recreated=True))
    return tuple(dict.fromkeys(found))


def dependants(plan: Iterable[o.Op], objects: Iterable[Unmodelled]) -> tuple[Dependant, ...]:
    """The objects that each drop or structural change in ``plan`` affects, once per (object, target)."""
    objects = tuple(objects)
    found: dict[tuple[str, str, str], Dependant] = {}
    for op in plan:
        for dependant in _affected(op, objects):
            found.setdefault((dependant.object.kind, dependant.object.name, dependant.target), dependant)
    return tuple(found.values())


def _affected(op: o.Op, objects: tuple[Unmodelled, ...]) -> Iterable[Dependant]:
    if isinstance(op, o.DropTable):
        key = op.table.key
        for u in objects:
            if any(t == key for t, _ in u.depends_on) or u.table == key:
                yield Dependant(u, f"table {key}", "drops", goes_with_table=u.table == key)
        return
    table, column, change, structural = _table_change(op)
    if table is None:
        return
    for u in objects:
        if u.survives_alters and change != "drops":
            continue
        if column is not None and change and (table, column) in u.depends_on:
            yield Dependant(u, f"column {table}.{column}", change)
        elif structural and (table, EVERY_COLUMN) in u.depends_on:
            yield Dependant(u, f"table {table}", "alters")


def _table_change(op: o.Op) -> tuple[str | None, str | None, str | None, bool]:
    """``(table key, column, what a dependant of that column sees, whether the table's structure changes)``."""
    if isinstance(op, o.DropColumn):
        return qualified(op.table, op.schema), op.column.name, "drops", True
    if isinstance(op, o.AlterColumn):
        change = "changes the type of" if op.old.type != op.new.type else None
        return qualified(op.table, op.schema), op.old.name, change, True
    if isinstance(op, (o.AddConstraint, o.DropConstraint)):
        return qualified(op.table, op.schema), None, None, True
    return None, None, None, False

"""Database objects beyond tables: views, functions, triggers, policies… held as the SQL that makes them.

A :class:`DbObject` is what a database says of one such object: its kind and
name, the statements that create and drop it, the statements that change
another version of it in place (``CREATE OR REPLACE``) when that is allowed,
and what it depends on.  dbshift does not parse these statements: two
versions are the same object when their :attr:`~DbObject.definition` (the
text the database prints for it, or the declared SQL when nothing better is
known) is the same.

Ordering rests on two facts each object carries: ``depends_on``, the table
columns it uses (a view over ``users.email``), and ``requires``, the other
objects it needs (a trigger needs its function).  :func:`plan` uses them to
drop and re-create the objects a change of their tables or of the objects
they need would break; :mod:`dbshift.core.order` to run every step after
what it needs.

Pure values, no I/O.
"""

from __future__ import annotations

from dataclasses import field
from typing import Iterable, Iterator
from .values import frozen


#: a dependency on every column of a table: any change of the table's structure breaks the object
EVERY_COLUMN = "*"

#: kinds created before tables (columns, defaults and checks may use them), in this order; the rest come after
EARLY_KINDS: tuple[str, ...] = (
    "extension", "collation", "domain", "composite type", "range type", "function", "procedure", "aggregate",
)

#: kinds created once the tables are there, in this order
LATE_KINDS: tuple[str, ...] = (
    "view", "materialized view", "index", "trigger", "rule", "policy", "row-level security", "event", "comment",
    "grant",
)

_RANK = {kind: i for i, kind in enumerate(EARLY_KINDS + LATE_KINDS)}

_NOT_WRITTEN = {"written": False}
"""Field metadata: never written to a migration file (what only the database says of itself)."""


@frozen
class DbObject:
    """One object a database holds besides tables, enums and sequences.

    ``kind`` is one of :data:`EARLY_KINDS` or :data:`LATE_KINDS` (others are
    allowed and come last); ``name`` identifies it within its kind, qualified
    as the database does (``public.active_users``, ``public.total(integer)``,
    ``audit on public.orders``).  ``create`` and ``drop`` are the statements
    that make and remove it; ``replace`` the statements that turn any version
    with the same ``shape`` into this one in place (empty: it is dropped and
    created instead).  ``table`` is the key of the table it belongs to (a
    trigger, a policy).

    Two versions are the same when ``kind``, ``name`` and ``definition`` are:
    ``definition`` is the text the database prints for the object, read back
    after creating it; when not given it is ``create`` with runs of white
    space taken as one.  ``shape``, ``depends_on`` (``(table key, column)``
    pairs, the column None for the table as a whole and :data:`EVERY_COLUMN`
    for all of it) and ``requires`` (the :attr:`id` of other objects) are
    facts about the database used for ordering: never compared, never written.
    """

    kind: str
    name: str
    create: tuple[str, ...] = field(compare=False)
    drop: tuple[str, ...] = field(compare=False)
    replace: tuple[str, ...] = field(default=(), compare=False)
    table: str | None = field(default=None, compare=False)
    definition: str | None = field(default=None, metadata=_NOT_WRITTEN)
    shape: str | None = field(default=None, compare=False, repr=False, metadata=_NOT_WRITTEN)
    depends_on: tuple[tuple[str, str | None], ...] = field(default=(), compare=False, repr=False, metadata=_NOT_WRITTEN)
    requires: tuple[str, ...] = field(default=(), compare=False, repr=False, metadata=_NOT_WRITTEN)
    survives_alters: bool = field(default=False, compare=False, repr=False, metadata=_NOT_WRITTEN)
    """A change of its tables that keeps the columns it uses keeps it working (SQLite and MySQL views and
    triggers are kept as text): only dropping a column it uses, or its table, breaks it."""

    def __post_init__(self) -> None:
        for name in ("create", "drop", "replace", "requires"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
        object.__setattr__(self, "depends_on", tuple(sorted(set(self.depends_on), key=lambda d: (d[0], d[1] or ""))))
        object.__setattr__(self, "requires", tuple(sorted(set(self.requires))))
        if self.definition is None:
            object.__setattr__(self, "definition", "\n".join(" ".join(s.split()) for s in self.create))

    @property
    def id(self) -> str:
        """``kind:name``, unique in a schema."""
        return f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def early(self) -> bool:
        """Created before tables (see :data:`EARLY_KINDS`)."""
        return self.kind in EARLY_KINDS

    @property
    def rank(self) -> int:
        return _RANK.get(self.kind, len(_RANK))

    def replaceable_by(self, other: "DbObject") -> bool:
        """Whether ``other`` can take this version's place in place, without dropping it."""
        return bool(other.replace) and other.kind == self.kind and other.shape == self.shape

    def uses(self, table: str, column: str | None = None) -> bool:
        """Whether it uses ``table`` (any column, or the table as a whole) or, given ``column``, that column."""
        if column is None:
            return self.table == table or any(t == table for t, _ in self.depends_on)
        return any(t == table and c in (column, EVERY_COLUMN) for t, c in self.depends_on)


def by_id(objects: Iterable[DbObject]) -> dict[str, DbObject]:
    return {obj.id: obj for obj in objects}


def needed_first(objects: Iterable[DbObject]) -> list[DbObject]:
    """``objects`` in an order where each comes after those it requires (among themselves), then by kind and
    name; a cycle of requirements is broken at its first member by that order."""
    pending = sorted(objects, key=lambda obj: (obj.rank, obj.id))
    ids = {obj.id for obj in pending}
    done: set[str] = set()
    result: list[DbObject] = []
    while pending:
        ready = [obj for obj in pending if all(r in done or r not in ids for r in obj.requires)] or pending[:1]
        for obj in ready:
            result.append(obj)
            done.add(obj.id)
        pending = [obj for obj in pending if obj.id not in done]
    return result


def dependants(objects: Iterable[DbObject], ids: set[str]) -> Iterator[DbObject]:
    """The objects that require, directly or through others, one of ``ids``."""
    objects = list(objects)
    found = set(ids)
    grew = True
    while grew:
        grew = False
        for obj in objects:
            if obj.id not in found and any(r in found for r in obj.requires):
                found.add(obj.id)
                grew = True
                yield obj

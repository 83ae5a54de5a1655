"""The schema model: frozen values describing a database schema.

A :class:`Schema` can be built from SQLAlchemy ``MetaData`` (the models), from a
live database (reflection) or by replaying operations.  Every value here is
immutable and hashable, so two schemas compare with ``==`` and the differ can
work on them without side effects.

Types are spelled as strings in a small portable language (see
:mod:`dbshift.core.types`): ``"integer"``, ``"varchar(20)"``, ``"numeric(10,2)"``,
``"timestamptz"``, ``"enum:mood('happy','sad')"`` and, for anything
dialect-specific, the dialect's own lower-case spelling (``"inet"``, ``"jsonb"``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import field, replace
from functools import cached_property, lru_cache
from typing import Callable, Iterable, TypeVar, Union, cast

from .identifiers import pg_object_name
from .objects import DbObject
from .types import quote_literal
from .values import frozen


def qualified(name: str, schema: str | None) -> str:
    """``schema.name`` or just ``name`` when no schema is given."""
    return f"{schema}.{name}" if schema else name


_T = TypeVar("_T")

READ_ONLY = {"written": False}
"""Field metadata of what only a database says of itself (the name it gave a constraint the models leave
unnamed): never compared, never written to a migration file."""


@frozen
class Identity:
    """An identity column (``GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY``)."""

    always: bool = False
    start: int | None = None
    increment: int | None = None


@frozen
class Column:
    """One column.  ``default`` is the server default as SQL expression text.

    In a migration file as written, ``type`` and ``default`` may also be what the
    models declare (a SQLAlchemy type, a SQLAlchemy expression): values opaque here,
    which :mod:`dbshift.sqla.declared` binds to the strings above when the
    migration is loaded for a database, before anything else reads them; likewise
    ``virtual=None``, a computed column whose kind is the database's default.
    """

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    autoincrement: bool = False
    identity: Identity | None = None
    computed: str | None = None
    comment: str | None = None
    collation: str | None = None  # None: the table's (or database's) default
    virtual: bool = False  # a computed column evaluated when read (VIRTUAL) rather than STORED
    statistics_target: int | None = None
    """PostgreSQL: how many values ANALYZE samples for this column (``ALTER COLUMN … SET STATISTICS``);
    None the server's default.  Compared between databases only (models cannot express it)."""
    server_default: object = field(default=None, compare=False, repr=False)
    """How migration files state ``default``, as SQLAlchemy's ``server_default`` does: a string is a
    string value (``server_default="0"`` is ``default="'0'"``), ``sa.text("now()")`` is SQL, any other
    SQLAlchemy expression is bound with the column's type.  It only fills ``default`` and stays None."""

    def __post_init__(self) -> None:
        given = self.server_default
        if given is None:
            return
        if self.default is not None:
            raise ValueError(f"column {self.name}: give default or server_default, not both")
        if isinstance(given, str):
            value: object = quote_literal(given)
        elif type(given).__name__ == "TextClause" and isinstance(getattr(given, "text", None), str):
            value = given.text  # type: ignore[attr-defined]  # sa.text("..."): SQL as written
        else:
            value = given
        object.__setattr__(self, "default", value)
        object.__setattr__(self, "server_default", None)


@frozen
class PrimaryKey:
    """A primary key; ``deferrable`` keys (PostgreSQL only) may be checked at commit instead.

    Constraints the models leave unnamed have ``name`` None on every database: the
    database chooses the name, and the differ matches them by what they do.
    """

    columns: tuple[str, ...]
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    server_name: str | None = field(default=None, compare=False, repr=False, metadata=READ_ONLY)
    """The name the database gave it when the models leave it unnamed (``name`` is then None): read by
    reflection to drop it by; never compared, never written to a migration."""


@frozen
class ForeignKey:
    """A foreign key: ``columns`` reference ``ref_columns`` of ``ref_table``, with its actions and deferrability."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str | None = None
    ref_schema: str | None = None
    on_delete: str | None = None
    on_update: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    use_alter: bool = field(default=False, compare=False)
    """The models ask for it to be added after its table is created (SQLAlchemy's ``use_alter=True``):
    preferred when a foreign-key cycle among new tables must be broken; never compared."""
    server_name: str | None = field(default=None, compare=False, repr=False, metadata=READ_ONLY)
    """The name the database gave it when the models leave it unnamed (``name`` is then None): read by
    reflection to drop it by; never compared, never written to a migration."""
    own_index: str | None = field(default=None, compare=False, repr=False, metadata=READ_ONLY)
    """MySQL/MariaDB: the index InnoDB created by itself for this key, which reflection does not list
    (it goes when the key is dropped); None when another index serves the key, or it was not read."""

    @property
    def signature(self) -> tuple:
        """What the constraint does, ignoring its name."""
        return (self.columns, self.ref_schema, self.ref_table, self.ref_columns)


@frozen
class Unique:
    """A unique constraint; ``deferrable`` ones (PostgreSQL only) may be checked at commit instead."""

    columns: tuple[str, ...]
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    server_name: str | None = field(default=None, compare=False, repr=False, metadata=READ_ONLY)
    """The name the database gave it when the models leave it unnamed (``name`` is then None): read by
    reflection to drop it by; never compared, never written to a migration."""


@frozen
class Check:
    """A CHECK constraint: its expression as the database stores it, and its name."""

    sqltext: str
    name: str | None = None
    server_name: str | None = field(default=None, compare=False, repr=False, metadata=READ_ONLY)
    """The name the database gave it when the models leave it unnamed (``name`` is then None): read by
    reflection to drop it by; never compared, never written to a migration."""


@frozen
class Exclude:
    """A PostgreSQL exclusion constraint: no two rows may match on every element at once.

    ``elements`` are ``expression WITH operator`` as SQL (``during WITH &&``);
    ``using`` the index method, ``where`` the predicate limiting the rows it
    covers, ``include`` extra columns stored in its index.
    """

    elements: tuple[str, ...]
    name: str | None = None
    using: str = "gist"
    where: str | None = None
    include: tuple[str, ...] = ()
    deferrable: bool = False
    initially_deferred: bool = False
    server_name: str | None = field(default=None, compare=False, repr=False, metadata=READ_ONLY)
    """The name the database gave it when the models leave it unnamed (``name`` is then None): read by
    reflection to drop it by; never compared, never written to a migration."""


Constraint = Union[PrimaryKey, ForeignKey, Unique, Check, Exclude]


def real_name(constraint: Constraint) -> str | None:
    """The name the constraint goes by in the database: the models' name, else the one the database
    gave it (known when it was read from the database), else None."""
    return constraint.name or constraint.server_name


@frozen
class Index:
    """An index; ``expressions`` are column names or SQL expressions, in order."""

    name: str
    expressions: tuple[str, ...]
    unique: bool = False
    where: str | None = None
    using: str | None = None
    include: tuple[str, ...] = ()


@frozen
class TableOptions:
    """How SQLite stores a table; every option off (the default) is an ordinary rowid table.

    ``without_rowid``: ``WITHOUT ROWID``, stored in primary-key order with no
    rowid.  ``strict``: ``STRICT``, each value must be of its column's type.
    ``autoincrement``: the ``INTEGER PRIMARY KEY`` is ``AUTOINCREMENT``, so an
    id is never given out twice, even after its row is deleted.  Other
    databases have none of these: their models and tables never set them.
    """

    without_rowid: bool = False
    strict: bool = False
    autoincrement: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The options that are on, as SQL spells them (``("WITHOUT ROWID", "STRICT")``)."""
        spelled = (("without_rowid", "WITHOUT ROWID"), ("strict", "STRICT"), ("autoincrement", "AUTOINCREMENT"))
        return tuple(sql for attribute, sql in spelled if getattr(self, attribute))


@frozen
class TableRef:
    """Another table, by name: the parent a table inherits from or is a partition of."""

    name: str
    schema: str | None = None

    @property
    def key(self) -> str:
        return qualified(self.name, self.schema)


@frozen
class PartitionOf:
    """PostgreSQL: the table is a partition of ``parent`` holding the rows ``bound`` admits.

    ``bound`` is the clause as PostgreSQL prints it: ``FOR VALUES FROM ('2006-02-01') TO ('2006-03-01')``,
    ``FOR VALUES IN (1, 2)``, ``FOR VALUES WITH (modulus 4, remainder 0)`` or ``DEFAULT``.
    """

    parent: TableRef
    bound: str


@frozen
class Statistics:
    """PostgreSQL extended statistics on a table (``CREATE STATISTICS name (kinds) ON … FROM table``).

    ``expressions`` are column names or SQL expressions; ``kinds`` some of ``ndistinct``,
    ``dependencies`` and ``mcv`` (empty: every kind, as when none is named).  The statistics
    object lives in its table's schema.
    """

    name: str
    expressions: tuple[str, ...]
    kinds: tuple[str, ...] = ()


@frozen
class Table:
    """A table: columns in order, keys, constraints, indexes and table-level settings."""

    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[Unique, ...] = ()
    checks: tuple[Check, ...] = ()
    indexes: tuple[Index, ...] = ()
    comment: str | None = None
    schema: str | None = None
    unlogged: bool = False  # PostgreSQL: not written to the write-ahead log, emptied after a crash
    cluster_on: str | None = None
    """PostgreSQL: the index ``CLUSTER`` orders the table by; compared between databases only
    (models cannot express it)."""
    excludes: tuple[Exclude, ...] = ()
    options: TableOptions = TableOptions()
    """SQLite: WITHOUT ROWID, STRICT, AUTOINCREMENT (see :class:`TableOptions`)."""
    inherits: tuple[TableRef, ...] = ()
    """PostgreSQL: the tables this one inherits from (``INHERITS (…)``), in order; compared between
    databases only (models cannot express it)."""
    inherited_columns: tuple[str, ...] = ()
    """PostgreSQL: the columns (among ``columns``) this table only has from its parents or the table it
    is a partition of: they are the parent's, created and dropped with it, not on this table."""
    partition_by: str | None = None
    """PostgreSQL: how a partitioned table spreads its rows, ``RANGE (logdate)``, ``LIST (region)``,
    ``HASH (id)``; None for a table that holds its rows itself."""
    partition_of: PartitionOf | None = None
    """PostgreSQL: the partitioned table this one is a partition of, and its bound."""
    statistics: tuple[Statistics, ...] = ()
    """PostgreSQL: extended statistics on this table (see :class:`Statistics`), sorted by name."""

    @property
    def key(self) -> str:
        return qualified(self.name, self.schema)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.key!r} has no column {name!r}")

    def has_column(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def own_columns(self) -> tuple[Column, ...]:
        """The columns this table declares itself: all but those it only has from its parents."""
        return tuple(c for c in self.columns if c.name not in self.inherited_columns)

    @property
    def parents(self) -> tuple[TableRef, ...]:
        """The tables this one inherits from or is a partition of: created before it, dropped after it."""
        return self.inherits + ((self.partition_of.parent,) if self.partition_of else ())

    @property
    def constraints(self) -> tuple[Constraint, ...]:
        """All constraints: primary key first, then foreign keys, uniques, checks, exclusions."""
        head: tuple[Constraint, ...] = (self.primary_key,) if self.primary_key else ()
        return head + self.foreign_keys + self.uniques + self.checks + self.excludes

    def with_constraint(self, constraint: Constraint) -> "Table":
        if isinstance(constraint, PrimaryKey):
            return replace(self, primary_key=constraint)
        if isinstance(constraint, ForeignKey):
            return replace(self, foreign_keys=self.foreign_keys + (constraint,))
        if isinstance(constraint, Unique):
            return replace(self, uniques=self.uniques + (constraint,))
        if isinstance(constraint, Exclude):
            return replace(self, excludes=self.excludes + (constraint,))
        return replace(self, checks=self.checks + (constraint,))

    def without_constraint(self, constraint: Constraint) -> "Table":
        if isinstance(constraint, PrimaryKey):
            return replace(self, primary_key=None)
        if isinstance(constraint, ForeignKey):
            return replace(self, foreign_keys=_without(self.foreign_keys, constraint))
        if isinstance(constraint, Unique):
            return replace(self, uniques=_without(self.uniques, constraint))
        if isinstance(constraint, Exclude):
            return replace(self, excludes=_without(self.excludes, constraint))
        return replace(self, checks=_without(self.checks, constraint))


def _without(items: tuple, item: object) -> tuple:
    if item not in items:
        raise KeyError(f"{item!r} is not there")
    return tuple(i for i in items if i != item)


@frozen
class Enum:
    """A named enumerated type (PostgreSQL ``CREATE TYPE … AS ENUM``)."""

    name: str
    values: tuple[str, ...]
    schema: str | None = None

    @property
    def key(self) -> str:
        return qualified(self.name, self.schema)


@lru_cache(maxsize=16384)
def serial_sequence_name(table: str, column: str) -> str:
    """The name PostgreSQL gives the sequence behind serial column ``table.column`` (``table_column_seq``,
    the longer part shortened when the whole would pass 63 bytes)."""
    return pg_object_name(table, column, "seq")


def serial_sequence(table: str, column: "Column", schema: str | None = None) -> "Sequence":
    """The sequence SERIAL creates for ``column`` (its data type is the column's)."""
    data_type = column.type if column.type in SEQUENCE_RANGES else "integer"
    return Sequence(serial_sequence_name(table, column.name), schema=schema, data_type=data_type)


#: the values a sequence of each data type can hold (PostgreSQL's ``AS`` types)
SEQUENCE_RANGES: dict[str, tuple[int, int]] = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


@frozen
class Sequence:
    """A standalone sequence, or a serial column's own one with options of its own (``owned_by``).

    An option left as None takes PostgreSQL's default (``data_type`` bigint,
    ``increment`` 1, ``cache`` 1, minimum and maximum from the data type and the
    direction, ``start`` the minimum, or the maximum when descending).  An
    option given with its default value is stored as None, so two sequences
    that behave the same compare equal however they were spelled.
    """

    name: str
    start: int | None = None
    increment: int | None = None
    schema: str | None = None
    minvalue: int | None = None
    maxvalue: int | None = None
    cycle: bool = False
    cache: int | None = None
    data_type: str | None = None
    owned_by: tuple[str, str] | None = None
    """``(table, column)``: the serial column (in the same schema) whose sequence this is.

    Only a serial column's sequence whose options differ from those SERIAL gives
    it is listed, and only when comparing databases: models cannot express it.
    """

    def __post_init__(self) -> None:
        if self.start is self.increment is self.minvalue is self.maxvalue is self.cache is None:
            if self.data_type in (None, "smallint", "integer"):  # a serial column's, as SERIAL makes it
                return
            if self.data_type == "bigint":
                object.__setattr__(self, "data_type", None)
                return
        r = self.resolved()
        # resolved() fills data_type with a str and increment with an int
        low, high = SEQUENCE_RANGES[cast(str, r["data_type"])]
        ascending = cast(int, r["increment"]) > 0
        default_min, default_max = (1, high) if ascending else (low, -1)
        default_start = r["minvalue"] if ascending else r["maxvalue"]
        for name, value, default in (
            ("data_type", r["data_type"], "bigint"),
            ("increment", r["increment"], 1),
            ("minvalue", r["minvalue"], default_min),
            ("maxvalue", r["maxvalue"], default_max),
            ("start", r["start"], default_start),
            ("cache", r["cache"], 1),
        ):
            object.__setattr__(self, name, None if value == default else value)

    def resolved(self) -> dict[str, int | str | bool]:
        """Every option with its actual value (defaults filled in)."""
        data_type = self.data_type or "bigint"
        if data_type not in SEQUENCE_RANGES:
            raise ValueError(
                f"sequence {self.key!r}: data type {data_type!r} is not one of {', '.join(SEQUENCE_RANGES)}"
            )
        low, high = SEQUENCE_RANGES[data_type]
        increment = self.increment or 1
        minvalue = self.minvalue if self.minvalue is not None else (1 if increment > 0 else low)
        maxvalue = self.maxvalue if self.maxvalue is not None else (high if increment > 0 else -1)
        start = self.start if self.start is not None else (minvalue if increment > 0 else maxvalue)
        return {
            "data_type": data_type, "increment": increment, "minvalue": minvalue, "maxvalue": maxvalue,
            "start": start, "cache": self.cache or 1, "cycle": bool(self.cycle),
        }

    @property
    def key(self) -> str:
        return qualified(self.name, self.schema)


@frozen
class Schema:
    """A whole schema: tables, enum types, sequences and other objects, each kept sorted by key.

    ``schemas`` names the database schemas (namespaces) besides the default
    one that hold, or may hold, these objects; sorted, without duplicates.
    ``objects`` are the views, functions, triggers… (:class:`~dbshift.core.objects.DbObject`),
    sorted by id.
    """

    tables: tuple[Table, ...] = ()
    enums: tuple[Enum, ...] = ()
    sequences: tuple[Sequence, ...] = field(default=())
    schemas: tuple[str, ...] = ()
    objects: tuple[DbObject, ...] = ()

    @classmethod
    def of(
        cls,
        tables: Iterable[Table] = (),
        enums: Iterable[Enum] = (),
        sequences: Iterable[Sequence] = (),
        schemas: Iterable[str] = (),
        objects: Iterable[DbObject] = (),
    ) -> "Schema":
        return cls(
            tuple(sorted(tables, key=lambda t: t.key)),
            tuple(sorted(enums, key=lambda e: e.key)),
            tuple(sorted(sequences, key=lambda s: s.key)),
            tuple(sorted(set(schemas))),
            tuple(sorted(objects, key=lambda x: x.id)),
        )

    @cached_property
    def _by_key(self) -> tuple[dict[str, Table], dict[str, Enum], dict[str, Sequence], dict[str, DbObject]]:
        """Tables, enums, sequences and objects by key (the first of each key), built on first lookup."""
        return (_first_by(self.tables, lambda t: t.key), _first_by(self.enums, lambda e: e.key),
                _first_by(self.sequences, lambda s: s.key), _first_by(self.objects, lambda x: x.id))

    def table(self, key: str) -> Table:
        try:
            return self._by_key[0][key]
        except KeyError:
            raise KeyError(f"no table {key!r}") from None

    def has_table(self, key: str) -> bool:
        return key in self._by_key[0]

    def enum(self, key: str) -> Enum:
        try:
            return self._by_key[1][key]
        except KeyError:
            raise KeyError(f"no enum type {key!r}") from None

    def sequence(self, key: str) -> Sequence:
        try:
            return self._by_key[2][key]
        except KeyError:
            raise KeyError(f"no sequence {key!r}") from None

    def object(self, id: str) -> DbObject:
        try:
            return self._by_key[3][id]
        except KeyError:
            raise KeyError(f"no {id.replace(':', ' ', 1)!r}") from None

    @cached_property
    def _table_keys(self) -> list[str] | None:
        """The tables' keys in order, when they are sorted and unique (as :meth:`of` makes them); else None."""
        keys = [t.key for t in self.tables]
        return keys if all(a < b for a, b in zip(keys, keys[1:], strict=False)) else None

    def replace_table(self, key: str, table: Table | None) -> "Schema":
        """A copy with table ``key`` replaced by ``table`` (removed when None).

        The copy inherits the lookups already built (keys, tables by key), changed in one place: a runner
        replaying a thousand migrations replaces a table a thousand times."""
        keys = self._table_keys
        if keys is None or (table is not None and table.key != key and table.key in self._by_key[0]):
            # unsorted tables, or the new table's key taken by another one: sort them all again
            others = [t for t in self.tables if t.key != key]
            return replace(self, tables=tuple(sorted(others + ([table] if table else []), key=lambda t: t.key)))
        tables, keys, by_key = list(self.tables), list(keys), dict(self._by_key[0])
        if by_key.pop(key, None) is not None:
            i = bisect_left(keys, key)
            del tables[i], keys[i]
        if table is not None:
            new_key = table.key
            i = bisect_right(keys, new_key)
            tables.insert(i, table)
            keys.insert(i, new_key)
            by_key[new_key] = table
        copy = replace(self, tables=tuple(tables))
        copy.__dict__["_table_keys"] = keys
        copy.__dict__["_by_key"] = (by_key, *self._by_key[1:])
        return copy

    def with_enums(self, enums: Iterable[Enum]) -> "Schema":
        return replace(self, enums=tuple(sorted(enums, key=lambda e: e.key)))

    def with_sequences(self, sequences: Iterable[Sequence]) -> "Schema":
        return replace(self, sequences=tuple(sorted(sequences, key=lambda s: s.key)))

    def with_schemas(self, schemas: Iterable[str]) -> "Schema":
        return replace(self, schemas=tuple(sorted(set(schemas))))

    def with_objects(self, objects: Iterable[DbObject]) -> "Schema":
        return replace(self, objects=tuple(sorted(objects, key=lambda x: x.id)))


def _first_by(items: Iterable[_T], key: Callable[[_T], str]) -> dict[str, _T]:
    found: dict[str, _T] = {}
    for item in items:
        found.setdefault(key(item), item)
    return found

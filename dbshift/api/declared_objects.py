"""The views, functions and triggers the models declare, as the database prints them.

A declared object is compared with the database by the text the database
prints for it (:attr:`~dbshift.core.objects.DbObject.definition`), which only
the database can give: each declared object is created on the server where
nothing is kept, and read back with the database's own readers
(:func:`~dbshift.sqla.reflect.objects.read_objects`), which also give its name
as the database spells it (a function's argument types), its shape, and what it
depends on.  Its ``create`` and ``replace`` statements stay the declared SQL.

Where that happens, by database:

- PostgreSQL: in a transaction that is rolled back.  The objects of the
  database with a declared object's name (and those requiring them) are dropped
  first, and the plan's table changes are run there too, so that an object over
  a table or column the models add can be created.  It takes the locks those
  statements take, for as long as the trial lasts (``lock_timeout`` bounds the
  wait); table changes that rewrite a table cost what they cost, and are not kept.
- MySQL/MariaDB, whose DDL commits: in a scratch database of the same server
  (``dbshift_scratch_<random>``, with the current database's character set),
  holding the models' tables, dropped at the end.  The session holds a named
  lock on it while it exists, so a scratch database a killed run left behind is
  dropped by the next run (its lock is free).  It needs the privilege to create
  and drop databases named ``dbshift_scratch_%``, and costs creating the models'
  tables there.
- SQLite: in a database in memory holding the models' tables.

An index that DDL events create (kind ``index``) is read back into its table,
as any index of the models.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..core import model as m
from ..core import ops as o
from ..core.errors import DbshiftError
from ..core.objects import DbObject, dependants
from ..sqla.dialect import MYSQL_FAMILY, server_dialect
from .schemas import changes
from ..core.values import frozen

if TYPE_CHECKING:
    import sqlalchemy as sa

#: how long a trial on PostgreSQL waits for a lock before giving up
LOCK_TIMEOUT = "10s"

SCRATCH_PREFIX = "dbshift_scratch_"

_VERBATIM = {"no_parameters": True}  # no placeholder processing: '%' in SQL stays '%'


class DeclaredObjectFails(DbshiftError):
    """A declared object the database refuses to create (a syntax error, a table or function it lacks)."""

    def __init__(self, label: str, error: str) -> None:
        self.label, self.error = label, error
        first = error.strip().splitlines()[0] if error.strip() else "refused"
        if "lock timeout" in first:
            first += f" (another session held a lock it needs for {LOCK_TIMEOUT}: try again)"
        super().__init__(f"the models declare {label}, which the database refuses to create: {first}")


class DeclaredObjectUnseen(DbshiftError):
    """A declared object the database created without error, but that reading it back does not find."""

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(
            f"the models declare {label}, but once created the database shows no such object: give the name "
            "its statement creates (or leave name= out to read it from the statement)"
        )


class NoScratchDatabase(DbshiftError):
    """MySQL/MariaDB: the scratch database where declared objects are tried cannot be created."""

    def __init__(self, name: str, error: str) -> None:
        self.name, self.error = name, error
        first = error.strip().splitlines()[0] if error.strip() else "refused"
        super().__init__(
            f"cannot create the scratch database {name} where the models' views, functions and triggers are "
            f"read as the server prints them ({first}); grant CREATE and DROP on `{SCRATCH_PREFIX}%` to this user"
        )


@frozen
class _Trial:
    """What the database printed: every object read after the declared ones were created (``objects``), each
    declared object's id with the ids of what it became (``made``), and the tables when asked for."""

    objects: tuple[DbObject, ...]
    made: dict[str, tuple[str, ...]]
    tables: m.Schema | None = None


def as_printed(conn: sa.Connection, model: m.Schema, database: m.Schema, exclude: Iterable[str]) -> m.Schema:
    """``model`` with each declared object as the database prints it, and the indexes DDL events create in
    their tables.  ``database`` is the schema ``conn``'s database holds, as the models are compared with it.

    Raises :class:`DeclaredObjectFails` when the database refuses a declared object.
    """
    exclude = frozenset(exclude)
    kept = [x for x in model.objects if x.table is None or x.table.rsplit(".", 1)[-1] not in exclude]
    model = model.with_objects(kept)  # those of tables no command touches are left out, as the database's are
    if not model.objects:
        return model
    dialect = server_dialect(conn.dialect)
    schemas: tuple[str | None, ...] = (None, *model.schemas)
    if dialect == "postgresql":
        trial = _rolled_back(conn, model, database, schemas, exclude)
    elif dialect in MYSQL_FAMILY:
        trial = _scratch_database(conn, model, exclude)
    else:
        trial = _in_memory(model, exclude)
    return _printed(model, trial)


def _printed(model: m.Schema, trial: _Trial) -> m.Schema:
    read = {x.id: x for x in trial.objects}
    objects: dict[str, DbObject] = {}
    for declared in model.objects:
        made = trial.made.get(declared.id, ())
        if declared.kind == "index":
            if model.has_table(declared.table or ""):
                model = _with_index(model, declared, trial.tables)
                continue
            name = declared.name.split(" on ", 1)[0]  # an index of a materialized view is an object of its own
            made = tuple(x.id for x in trial.objects if x.kind == "index" and x.name.rsplit(".", 1)[-1] == name)
        if not made:
            raise DeclaredObjectUnseen(declared.label)
        for id in made:
            printed = read[id]
            objects.setdefault(id, replace(
                printed, create=declared.create, replace=declared.replace if printed.replace else (),
            ))
    return model.with_objects(objects.values())


def _with_index(model: m.Schema, declared: DbObject, tables: m.Schema | None) -> m.Schema:
    """``model`` with the index ``declared`` (from a DDL event) as the database read it in its table."""
    key, name = declared.table or "", declared.name.split(" on ", 1)[0]
    if tables is None or not tables.has_table(key):
        raise DeclaredObjectUnseen(f"index {name} on {key}")
    table = model.table(key)
    read = tables.table(key)
    if any(i.name == name for i in table.indexes) or any(u.name == name for u in table.uniques):
        return model
    for index in read.indexes:
        if index.name == name:
            return model.replace_table(key, replace(table, indexes=tuple(sorted(
                (*table.indexes, index), key=lambda i: i.name))))
    for unique in read.uniques:  # MySQL: a unique index over whole columns is a unique key
        if unique.name == name:
            return model.replace_table(key, table.with_constraint(unique))
    raise DeclaredObjectUnseen(f"index {name} on {key}")


# --- creating them where nothing is kept --------------------------------------------------------


def _key(obj: DbObject) -> tuple[str, str]:
    """What a declared object and the database's reading of it share: kind and name without arguments."""
    return obj.kind, obj.name.split("(", 1)[0].lower()


def _rolled_back(
    conn: sa.Connection, model: m.Schema, database: m.Schema, schemas: tuple[str | None, ...], exclude: frozenset[str]
) -> _Trial:
    """PostgreSQL: the plan's table steps and the declared objects, in a transaction rolled back."""
    declared = model.objects
    keys = {_key(x) for x in declared}
    clashing = {x.id for x in database.objects if _key(x) in keys}
    clashing |= {x.id for x in dependants(database.objects, clashing)}
    tables_only = model.with_objects(x for x in database.objects if x.id not in clashing)
    conn.rollback()
    try:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        _run_plan(conn, changes(tables_only, database, "postgresql"), database, savepoints=True)
        return _create_and_read(conn, declared, schemas, exclude, savepoints=True)
    finally:
        conn.rollback()


def _scratch_database(conn: sa.Connection, model: m.Schema, exclude: frozenset[str]) -> _Trial:
    """MySQL/MariaDB: the models' tables and the declared objects in a scratch database, dropped at the end."""
    import sqlalchemy as sa

    dialect = server_dialect(conn.dialect)
    original, charset, collation = conn.exec_driver_sql(
        "SELECT DATABASE(), @@character_set_database, @@collation_database"
    ).one()
    scratch = SCRATCH_PREFIX + secrets.token_hex(8)
    quote = conn.dialect.identifier_preparer.quote_identifier
    _drop_abandoned(conn)
    conn.exec_driver_sql(f"SELECT GET_LOCK('{scratch}', 0)")
    try:
        try:
            conn.exec_driver_sql(
                f"CREATE DATABASE {quote(scratch)} CHARACTER SET {charset} COLLATE {collation}"
            )
        except sa.exc.DBAPIError as exc:
            raise NoScratchDatabase(scratch, str(exc.orig)) from None
        try:
            conn.exec_driver_sql(f"USE {quote(scratch)}")
            tables = model.with_objects(())
            _run_plan(conn, changes(tables, m.Schema(), dialect), m.Schema(), savepoints=False)
            trial = _create_and_read(conn, model.objects, (None,), exclude, savepoints=False)
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"USE {quote(original)}")
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(scratch)}")
    finally:
        conn.exec_driver_sql(f"SELECT RELEASE_LOCK('{scratch}')")
        conn.rollback()
    return _Trial(
        tuple(_renamed(x, scratch, original) for x in trial.objects), trial.made, trial.tables
    )


def _drop_abandoned(conn: sa.Connection) -> None:
    """Drop the scratch databases whose run is gone (nobody holds their lock): a run killed before its end."""
    pattern = SCRATCH_PREFIX.replace("_", "\\_") + "%"
    names = [r[0] for r in conn.exec_driver_sql(f"SHOW DATABASES LIKE '{pattern}'", execution_options=_VERBATIM)]
    quote = conn.dialect.identifier_preparer.quote_identifier
    for name in names:
        if name.startswith(SCRATCH_PREFIX) and conn.exec_driver_sql(f"SELECT IS_FREE_LOCK('{name}')").scalar() == 1:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)}")


def _renamed(obj: DbObject, old: str, new: str) -> DbObject:
    """``obj`` read in database ``old`` as it reads in ``new``: a name the database printed is replaced."""

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(old, new)
        if isinstance(value, tuple):
            return tuple(swap(v) for v in value)
        return value

    return replace(obj, **{f: swap(getattr(obj, f)) for f in ("name", "drop", "replace", "definition", "shape",
                                                               "depends_on", "requires", "table")})


def _in_memory(model: m.Schema, exclude: frozenset[str]) -> _Trial:
    """SQLite: the models' tables and the declared objects in a database in memory."""
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    try:
        with engine.connect() as scratch:
            _run_plan(scratch, changes(model.with_objects(()), m.Schema(), "sqlite"), m.Schema(), savepoints=False)
            return _create_and_read(scratch, model.objects, (None,), exclude, savepoints=False)
    finally:
        engine.dispose()


def _run_plan(conn: sa.Connection, ops: Iterable[o.Op], state: m.Schema, *, savepoints: bool) -> None:
    """Run ``ops`` (from ``state``) as well as they go: a step that fails (data a type change refuses, a
    view of the database that cannot be created again) is skipped; what the declared objects need of it
    shows when they are created.  With ``savepoints`` (PostgreSQL, rolled back), a drop that fails because
    something the readers did not tell of uses the object is tried again with ``CASCADE``."""
    import sqlalchemy as sa

    from ..render import render
    from ..render.base import Guard, Replay

    dialect = server_dialect(conn.dialect)
    for op in ops:
        statements = [s.sql for s in render(op, dialect, state) if not isinstance(s, (Guard, Replay))]
        tries = [statements]
        if savepoints and isinstance(op, o.DropObject):  # nothing is kept: what else uses it may go too
            tries.append([f"{s} CASCADE" if s.lstrip().upper().startswith("DROP") else s for s in statements])
        for attempt in tries:
            try:
                with _savepoint(conn, savepoints):
                    for sql in attempt:
                        conn.exec_driver_sql(sql, execution_options=_VERBATIM)
                break
            except sa.exc.DBAPIError:
                continue
        state = op.apply(state)


class _savepoint:
    """A savepoint around a block where ``on`` (PostgreSQL), rolled back when the block fails; nothing elsewhere."""

    def __init__(self, conn: sa.Connection, on: bool) -> None:
        self.conn, self.on = conn, on
        self.nested: Any = None

    def __enter__(self) -> None:
        if self.on:
            self.nested = self.conn.begin_nested()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self.nested is None:
            return
        if kind is None:
            self.nested.commit()
        else:
            self.nested.rollback()


def _create_and_read(
    conn: sa.Connection, declared: Iterable[DbObject], schemas: tuple[str | None, ...], exclude: frozenset[str],
    *, savepoints: bool,
) -> _Trial:
    """Create ``declared`` (each after those it needs, found by trying again what failed) and read every object
    back; which read objects each declared one became is told by name, and by reading before and after for
    declarations sharing one (overloaded functions)."""
    from ..sqla.reflect import reflect
    from ..sqla.reflect.objects import read_objects

    declared = list(declared)
    keys = [_key(x) for x in declared]
    shared = {k for k in keys if keys.count(k) > 1}
    made: dict[str, tuple[str, ...]] = {}

    def read() -> tuple[DbObject, ...]:
        return read_objects(conn, schemas=schemas, exclude=exclude)

    def note(obj: DbObject, create: Callable[[], None]) -> None:
        if _key(obj) not in shared:
            create()
            return
        before = {x.id for x in read()}
        create()
        made[obj.id] = tuple(sorted({x.id for x in read()} - before))

    _create_all(conn, declared, savepoints, note)
    if any(x.kind == "index" for x in declared):
        tables = reflect(conn, schemas=schemas, exclude=exclude)
        objects = tables.objects
    else:
        tables, objects = None, read()
    by_key: dict[tuple[str, str], list[str]] = {}
    for x in objects:
        by_key.setdefault(_key(x), []).append(x.id)
    for obj in declared:
        if obj.id not in made:
            made[obj.id] = tuple(by_key.get(_key(obj), ()))
    return _Trial(objects, made, tables)


def _create_all(
    conn: sa.Connection, declared: list[DbObject], savepoints: bool, note: Callable[[DbObject, Callable[[], None]], None]
) -> None:
    """Create each of ``declared``; what fails is tried again once something else was created (it may need it),
    until nothing more can be: then the first failure left is raised."""
    import sqlalchemy as sa

    from ..render import render

    dialect = server_dialect(conn.dialect)
    pending = sorted(declared, key=lambda x: x.rank)  # stable: in the order declared within a kind
    while pending:
        failed: list[tuple[DbObject, str]] = []
        for obj in pending:
            statements = render(o.CreateObject(obj), dialect, m.Schema())

            def create(statements: list = statements) -> None:
                with _savepoint(conn, savepoints):
                    for statement in statements:
                        conn.exec_driver_sql(statement.sql, execution_options=_VERBATIM)

            try:
                note(obj, create)
            except sa.exc.DBAPIError as exc:
                failed.append((obj, str(exc.orig)))
        if len(failed) == len(pending):
            obj, error = failed[0]
            raise DeclaredObjectFails(obj.label, error)
        pending = [obj for obj, _ in failed]

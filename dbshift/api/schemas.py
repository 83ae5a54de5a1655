"""The schemas commands compare: the models', the database's, and the operations between two of them.

One policy decides what a database schema is compared on when the other side
is the models (:func:`as_models_express`): ``check`` and autogenerate apply it,
``diff`` between two databases does not, since both sides can express everything.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..core import ops as o
from ..core.model import Schema, Table, qualified
from ..database import history
from ..project.config import Config
from .errors import NoModels

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..core.renames import Ask, RenamePolicy
    from ..core.unmodelled import Dependant


def metadata(config: Config) -> Any:
    """The models' ``MetaData``: given directly (Flask, tests) or imported from ``config.metadata``."""
    if config.metadata_object is not None:
        return config.metadata_object
    if not config.metadata:
        raise NoModels()
    from ..project.models import load_metadata

    return load_metadata(config.metadata, config.root)


def has_models(config: Config) -> bool:
    return bool(config.metadata) or config.metadata_object is not None


def excluded(config: Config) -> frozenset[str]:
    """Tables no command creates, drops or compares: the configured ones, the history table and Alembic's
    version table (kept until an adoption is confirmed)."""
    from .adoption import table_name

    return config.exclude_tables | {history.TABLE_NAME, table_name(config)}


def model_schema(config: Config, dialect: str | sa.engine.Dialect) -> Schema:
    """The models' schema on ``dialect``; a connection's dialect also knows the server (MariaDB's native UUID).
    Its views, functions, triggers… are as declared: see :func:`~.declared_objects.as_printed`."""
    from ..sqla.from_metadata import from_metadata

    return from_metadata(metadata(config), dialect, exclude=excluded(config), objects=configured_objects(config))


def configured_objects(config: Config) -> tuple[Any, ...]:
    """The views, functions and triggers ``[tool.dbshift] objects`` names (``"package.module:OBJECTS"``)."""
    if not config.objects:
        return ()
    from ..objects import declarations
    from ..project.models import ModelsNotFound, load_attribute

    found = load_attribute(config.objects, config.root, "package.module:OBJECTS")
    try:
        return declarations(found)
    except TypeError as exc:
        raise ModelsNotFound(config.objects, str(exc)) from None


def unverified(config: Config, dialect: str | sa.engine.Dialect) -> tuple[str, ...]:
    """What DDL attached to the models through SQLAlchemy events does that dbshift cannot compare."""
    from ..sqla.dialect import model_dialect
    from ..sqla.model_objects import model_objects

    return model_objects(metadata(config), model_dialect(dialect), (), excluded(config)).unverified


def check_writable(schema: Schema, dialect: str) -> None:
    """Refuse models with a name over the database's limit, before anything is compared or generated
    (:class:`~dbshift.core.identifiers.NameTooLong`): PostgreSQL would cut the name, so the table would
    never match its model and each later migration would drop it and create it again."""
    from ..core.identifiers import check_names

    check_names(schema, dialect)


def check_comments(ops: tuple[o.Op, ...], dialect: str) -> None:
    """Refuse operations that would write a MySQL comment holding a backslash
    (:class:`~dbshift.core.types.CommentNotWritable`: no spelling of it reads the same in every sql_mode).

    A column's comment is written whenever the column is (MySQL changes a column by restating it whole).
    """
    from ..core.types import mysql_comment_literal

    if dialect not in ("mysql", "mariadb"):
        return
    for what, comment in _comments_written(ops):
        if comment:
            mysql_comment_literal(what, comment, dialect)


def _comments_written(ops: tuple[o.Op, ...]) -> list[tuple[str, str | None]]:
    """``(what, comment)`` for each comment ``ops`` write."""
    found: list[tuple[str, str | None]] = []
    for op in ops:
        if isinstance(op, o.CreateTable):
            t = op.table
            found += [(f"table {t.key}", t.comment)] + [(f"column {t.key}.{c.name}", c.comment) for c in t.columns]
        elif isinstance(op, (o.AddColumn, o.AlterColumn)):
            column = op.column if isinstance(op, o.AddColumn) else op.new
            found.append((f"column {qualified(op.table, op.schema)}.{column.name}", column.comment))
        elif isinstance(op, o.AlterTableComment):
            found.append((f"table {qualified(op.table, op.schema)}", op.new))
    return found


def as_models_express(schema: Schema) -> Schema:
    """``schema`` without what models cannot express: options of a serial column's own sequence,
    CLUSTER marks, inheritance, partitions (created outside the models; the partitioned table is
    kept), extended statistics and statistics targets.  Applied to a database's schema whenever it
    is compared with models."""
    tables = (_as_models_express(t) for t in schema.tables if t.partition_of is None)
    return Schema.of(
        tables, schema.enums, (s for s in schema.sequences if s.owned_by is None), schema.schemas, schema.objects,
    )


def _as_models_express(t: Table) -> Table:
    """Table ``t`` without what :func:`as_models_express` leaves out (``t`` itself when it has none of it)."""
    if t.cluster_on is None and not (t.inherits or t.inherited_columns or t.statistics) and all(
        c.statistics_target is None for c in t.columns
    ):
        return t
    return replace(
        t, cluster_on=None, inherits=(), inherited_columns=(), statistics=(),
        columns=tuple(c if c.statistics_target is None else replace(c, statistics_target=None) for c in t.columns),
    )


def with_passengers(
    model: Schema, database: Schema, created: Iterable[str] = (), *, manage: bool = False
) -> Schema:
    """The models' schema plus the database's views, functions, triggers… that the models do not declare.

    Those are left as they are: never created or dropped for the models' sake, but dropped and
    re-created around a change of what they use (a view over a column whose type changes).  Except
    the views, functions, procedures and triggers (what models can declare; extensions, types,
    policies… always stay) that an earlier migration ``created`` (by id: the models declared them, and
    no longer do) and, with ``manage`` (``[tool.dbshift] manage_objects``), every one of them: they are
    to be dropped, and so is what requires them.
    """
    from ..core.declarations import DECLARABLE_KINDS
    from ..core.objects import dependants

    declared, created = {x.id for x in model.objects}, set(created)
    kept = [
        x for x in database.objects
        if x.id not in declared and not (x.kind in DECLARABLE_KINDS and (manage or x.id in created))
    ]
    gone = {x.id for x in database.objects} - declared - {x.id for x in kept}
    broken = {x.id for x in dependants(kept, gone)}  # what needs a dropped object goes with it
    return model.with_objects(model.objects + tuple(x for x in kept if x.id not in broken))


def undeclared(model: Schema, database: Schema) -> bool:
    """Whether the database holds views, functions, procedures or triggers the models do not declare (an
    earlier migration may have created them: the history tells)."""
    from ..core.declarations import DECLARABLE_KINDS

    declared = {x.id for x in model.objects}
    return any(x.id not in declared and x.kind in DECLARABLE_KINDS for x in database.objects)


def database_schema_for(conn: sa.Connection, config: Config, model: Schema | None = None) -> Schema:
    """The database's schema as models are compared with it: the default schema plus every schema
    the models use, seen through :func:`as_models_express`."""
    from ..project.schema_cache import remembered
    from ..sqla.reflect import reflect

    schemas = [None] + list(model.schemas if model else ())
    schema = reflect(conn, schemas=schemas, exclude=excluded(config), remember=remembered)
    conn.rollback()
    return as_models_express(schema)


#: models given in memory with fewer tables than this are read on the one connection: turning them into a schema
#: takes less time than opening a second connection (a server process, a login) would win back
READ_AHEAD_TABLES = 100


@contextlib.contextmanager
def reading_ahead(conn: sa.Connection, config: Config) -> Iterator[Callable[[Schema], Schema]]:
    """``schema_for(model)``, which is :func:`database_schema_for` of ``model``: the database's default schema is
    read during the block, on a second connection in a thread of its own, so that the server's time passes while
    the block imports the models instead of after.  Any doubt (SQLite, whose reading is this process's own work;
    models in other schemas too; the second connection failing) and it reads on ``conn`` as usual; so it does
    when there is little to wait for (models already in memory, fewer than :data:`READ_AHEAD_TABLES` tables)."""
    if conn.dialect.name == "sqlite" or not _worth_a_second_connection(config):
        yield lambda model: database_schema_for(conn, config, model)
        return
    import threading

    from .side_by_side import switching_often

    read: dict[str, Schema] = {}

    def read_default_schema() -> None:
        from ..sqla.reflect import reflect

        # a failure here: conn reads again, and says what failed.  The block imports the models, Python all the
        # way, which each of the read's round trips would otherwise wait for (:mod:`.side_by_side`)
        with switching_often(), contextlib.suppress(Exception), conn.engine.connect() as other:
            read["schema"] = reflect(other, schemas=[None], exclude=excluded(config))
            other.rollback()

    reader = threading.Thread(target=read_default_schema, name="dbshift-read-ahead", daemon=True)
    reader.start()

    def schema_for(model: Schema) -> Schema:
        reader.join()
        if "schema" in read and not model.schemas:
            return as_models_express(read["schema"])
        return database_schema_for(conn, config, model)

    yield schema_for
    reader.join()  # not when the block fails (the models' own error, Ctrl-C): the read ends on its own, unwaited


def _worth_a_second_connection(config: Config) -> bool:
    """Whether the block has enough to do for a read beside it to pay: models still to be imported, or many."""
    given = config.metadata_object
    return given is None or len(getattr(given, "tables", ())) >= READ_AHEAD_TABLES


def dependants_of(conn: sa.Connection, config: Config, model: Schema, ops: tuple[o.Op, ...]) -> tuple[Dependant, ...]:
    """The database's objects that ``ops`` drop or change under: views, triggers… they re-create as they
    were over a column they drop, and objects dbshift does not model."""
    if not ops:
        return ()
    from ..core.unmodelled import dependants, recreated_over_dropped
    from ..sqla.reflect.unmodelled import unmodelled

    found = unmodelled(conn, schemas=[None] + list(model.schemas), exclude=excluded(config))
    conn.rollback()
    return recreated_over_dropped(ops) + dependants(ops, found)


def changes(target: Schema, current: Schema, dialect: str, policy: RenamePolicy | None = None) -> tuple[o.Op, ...]:
    """The operations, in a runnable order, that turn ``current`` into ``target`` on ``dialect``."""
    from ..core.diff import NoRenames, diff
    from ..core.order import order
    from ..sqla.normalize import equivalence_for

    return tuple(order(diff(current, target, equivalence_for(dialect), policy or NoRenames())))


def rename_policy(config: Config, dialect: str, hints: Iterable[str], ask: Ask | None) -> RenamePolicy:
    """Renames declared in the models and on the command line, and who to ask about the others."""
    from ..core.renames import RenameHints, RenamePolicy
    from ..sqla.from_metadata import rename_hints
    from ..sqla.normalize import equivalence_for

    eq = equivalence_for(dialect)
    declared = rename_hints(metadata(config))
    return RenamePolicy(declared.merged(RenameHints.parse(hints)), ask, lambda a, b: eq.type(a) == eq.type(b))

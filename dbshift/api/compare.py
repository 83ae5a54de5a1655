"""Comparing schemas: models against the database (``check``), and one database against another (``diff``)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from ..core import ops as o
from ..core.graph import RevisionGraph
from ..core.model import Schema
from ..database import history
from ..project.config import Config
from ..sqla.dialect import server_dialect
from .context import applied_ids, connection, load_graph
from .records import history_problems
from .declared_objects import as_printed
from .results import CheckResult, DiffResult
from .schemas import (
    changes, check_writable, database_schema_for, dependants_of, excluded, has_models, model_schema, reading_ahead,
    undeclared, unverified, with_passengers,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..core.unmodelled import Unmodelled

T = TypeVar("T")
U = TypeVar("U")


def check(config: Config) -> CheckResult:
    """Everything CI should fail on: a forked history, migrations not applied, applied ones edited
    since or left unfinished, and models that differ from the database.  Models the database
    cannot hold as written (a name over its length limit) are refused, as autogenerate refuses them.

    The models are compared with the database as it is; while migrations are
    pending, the differences include their work.
    """
    graph = load_graph(config)
    with connection(config) as conn:
        rows = history.rows(conn)
        problems = history_problems(graph, rows, applied_ids(rows))
        if not has_models(config):  # migrations written in SQL alone: the history is all there is to check
            return CheckResult((), problems)
        dialect = server_dialect(conn.dialect)
        with reading_ahead(conn, config) as schema_for:
            model = model_schema(config, conn.dialect)
            check_writable(model, dialect)
            database = schema_for(model)
        model = as_printed(conn, model, database, excluded(config))
        created = objects_created(graph, conn.dialect) if undeclared(model, database) else ()
        target = with_passengers(model, database, created, manage=config.manage_objects)
        ops = changes(target, database, dialect)
        return CheckResult(ops, problems, dependants_of(conn, config, model, ops), unverified(config, dialect))


def objects_created(graph: RevisionGraph, dialect: sa.engine.Dialect) -> frozenset[str]:
    """The ids of the views, functions, triggers… the history's migrations create (and do not drop again)."""
    from .history_schema import replay

    return frozenset(x.id for x in replay(graph, dialect).declared.objects)


def database_schema(config: Config) -> tuple[Schema, str]:
    """The configured database's schema as ``check`` reads it (the default schema plus every schema the
    models use, when models are configured), and its dialect name."""
    with connection(config) as conn:
        dialect = server_dialect(conn.dialect)
        model = model_schema(config, conn.dialect) if has_models(config) else None
        return database_schema_for(conn, config, model), dialect


def schema_changes(current: Schema, target: Schema, dialect: str) -> tuple[o.Op, ...]:
    """The operations, in a runnable order, that turn schema ``current`` into ``target`` on ``dialect``."""
    return changes(target, current, dialect)


def _reading(url: str) -> Config:
    """A configuration for reading the database at ``url`` (given on the command line)."""
    here = Path.cwd()
    return Config(root=here, migrations=here, url=url, url_source="--url")


def diff_databases(url_a: str, url_b: str, *, schemas: tuple[str | None, ...] | None = None) -> DiffResult:
    """The operations, and the SQL for database A's dialect, that turn A's schema into B's.

    ``schemas`` restricts the comparison to those schemas (None: the default
    one); without it, every schema either database has is compared.  Both
    sides are databases, so everything either holds is compared.
    """
    from ..core.unmodelled import dependants, differences
    from ..project.models import kept_if_ending_soon

    urls = (url_a, url_b)
    with kept_if_ending_soon():  # both schemas live until the command ends: no collection scans them meanwhile
        (a, dialect, unmodelled_a), (b, _, unmodelled_b) = _read_by_driver(urls, schemas) or _read(urls, schemas)
    others = [unmodelled_a, unmodelled_b]
    ops = changes(b, a, dialect)
    statements = _statements(ops, a, dialect) if ops else []
    changed, broken = differences(*others), dependants(ops, others[0])
    header = [f"-- not compared: {d.describe()} ({d.not_compared}; write that change by hand)" for d in changed]
    header += [f"-- depends: {d.describe('this script')}" for d in broken]
    sql = "\n\n".join(statements) + ("\n" if statements else "")
    if header:
        sql = "\n".join(header) + "\n" + ("\n" + sql if sql else "")
    return DiffResult(ops, sql, changed, broken)


#: a database as ``diff`` reads it: its schema, its dialect, and what the schema model does not cover
_Read = tuple[Schema, str, tuple["Unmodelled", ...]]


def _read(urls: tuple[str, str], schemas: tuple[str | None, ...] | None) -> list[_Read]:
    """Both databases, read through SQLAlchemy: side by side when each is a server of its own (the time of the
    slower one, not of both); in turn on SQLite, whose connections stay in the thread that opened them."""
    from ..project.schema_cache import remembered
    from ..sqla.reflect import reflect, schema_names
    from ..sqla.reflect.unmodelled import unmodelled

    with contextlib.ExitStack() as stack:  # reads only: a SQLite file that does not exist is an empty database
        conns = [stack.enter_context(connection(_reading(url))) for url in urls]
        if schemas is None:
            schemas = tuple(dict.fromkeys(n for conn in conns for n in (None, *schema_names(conn))))

        def read(conn: sa.Connection) -> _Read:
            exclude = {history.TABLE_NAME}
            schema = reflect(conn, schemas=schemas, exclude=exclude, remember=remembered)
            return schema, server_dialect(conn.dialect), unmodelled(conn, schemas=schemas, exclude=exclude)

        if any(conn.dialect.name == "sqlite" for conn in conns):
            return [read(conn) for conn in conns]
        return _side_by_side(read, conns)


def _read_by_driver(urls: tuple[str, str], schemas: tuple[str | None, ...] | None) -> list[_Read] | None:
    """Both databases read as :func:`_read` reads them, through psycopg alone and without waiting for SQLAlchemy
    to be imported, when both are PostgreSQL databases at URLs of an everyday form that let this process in; None
    otherwise, or when anything goes wrong (:func:`_read` then reads them, and says what is wrong)."""
    from ..database.direct import postgresql_reader
    from ..sqla.reflect import reflect, schema_names
    from ..sqla.reflect.catalog import DriverCatalog
    from ..sqla.reflect.unmodelled import unmodelled

    try:
        with contextlib.ExitStack() as stack:
            opened = _side_by_side(lambda url: stack.enter_context(postgresql_reader(url)), list(urls))
            readers = [reader for reader in opened if reader is not None]
            if len(readers) < len(urls):
                return None
            catalogs = [DriverCatalog(conn, "postgresql", version) for conn, version in readers]
            if schemas is None:
                names = _side_by_side(schema_names, catalogs)
                schemas = tuple(dict.fromkeys(n for found in names for n in (None, *found)))

            def read(catalog: DriverCatalog) -> _Read:
                exclude = {history.TABLE_NAME}
                schema = reflect(catalog, schemas=schemas, exclude=exclude)
                return schema, "postgresql", unmodelled(catalog, schemas=schemas, exclude=exclude)

            return _side_by_side(read, catalogs)
    except Exception:  # noqa: BLE001 - whatever went wrong, the general path reads both and says so
        return None


def _side_by_side(read: Callable[[T], U], sources: list[T]) -> list[U]:
    """``read`` of each source, each in a thread of its own: the time of the slowest, not of all."""
    from concurrent.futures import ThreadPoolExecutor

    from .side_by_side import switching_often

    with switching_often(), ThreadPoolExecutor(len(sources)) as pool:
        return list(pool.map(read, sources))


def _statements(ops: tuple[o.Op, ...], state: Schema, dialect: str) -> list[str]:
    """The SQL of ``ops`` on ``dialect``, from ``state`` on, one statement each (a check or a replay as a script
    holds it, as ``upgrade --sql`` writes it)."""
    from ..render import Guard, Replay, render

    statements = []
    for op in ops:
        lines = [line for s in render(op, dialect, state)
                 for line in (s.offline if isinstance(s, (Guard, Replay)) else (s.sql,))]
        statements += [line if line.startswith("--") else line.rstrip(";") + ";" for line in lines]
        state = op.apply(state)
    return statements

"""Database against database (``dbshift diff``): the SQL that turns one database's schema into another's.

Two PostgreSQL databases at URLs of an everyday form are read through psycopg alone, side by side, while the rest
of this command is still to be imported; SQLAlchemy is imported only when there are changes to write.  Other
databases, and any URL or server the driver alone cannot take, are read through SQLAlchemy.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from ..core import ops as o
from ..core.model import Schema
from ..database import history
from ..project.config import Config
from .results import DiffResult
from .schemas import changes

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..core.unmodelled import Unmodelled
    from ..sqla.reflect import Remember
    from ..sqla.reflect.catalog import Catalog

T = TypeVar("T")
U = TypeVar("U")


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
    from ..sqla.dialect import server_dialect
    from .context import connection

    with contextlib.ExitStack() as stack:  # reads only: a SQLite file that does not exist is an empty database
        conns = [stack.enter_context(connection(_reading(url))) for url in urls]
        return _read_each(conns, [server_dialect(conn.dialect) for conn in conns], schemas, remember=remembered,
                          in_turn=any(conn.dialect.name == "sqlite" for conn in conns))


def _reading(url: str) -> Config:
    """A configuration for reading the database at ``url`` (given on the command line)."""
    here = Path.cwd()
    return Config(root=here, migrations=here, url=url, url_source="--url")


def _read_by_driver(urls: tuple[str, str], schemas: tuple[str | None, ...] | None) -> list[_Read] | None:
    """Both databases read as :func:`_read` reads them, through psycopg alone and without waiting for SQLAlchemy
    to be imported, when both are PostgreSQL databases at URLs of an everyday form that let this process in; None
    otherwise, or when anything goes wrong (:func:`_read` then reads them, and says what is wrong)."""
    from ..database.direct import postgresql_reader
    from ..sqla.reflect.catalog import DriverCatalog

    try:
        with contextlib.ExitStack() as stack:
            opened = _side_by_side(lambda url: stack.enter_context(postgresql_reader(url)), list(urls))
            readers = [reader for reader in opened if reader is not None]
            if len(readers) < len(urls):
                return None
            catalogs = [DriverCatalog(conn, "postgresql", version) for conn, version in readers]
            return _read_each(catalogs, ["postgresql"] * len(catalogs), schemas)
    except Exception:  # noqa: BLE001 - whatever went wrong, the general path reads both and says so
        return None


def _read_each(sources: Sequence[sa.Connection | Catalog], dialects: list[str],
               schemas: tuple[str | None, ...] | None, *, remember: Remember | None = None,
               in_turn: bool = False) -> list[_Read]:
    """Each source (on ``dialects``) read as ``diff`` compares it: ``schemas``, else every schema any of them has,
    less the history table; side by side, or ``in_turn`` (SQLite's connections stay in the thread that opened
    them)."""
    from ..sqla.reflect import reflect, schema_names
    from ..sqla.reflect.unmodelled import unmodelled

    def each(read: Callable[[Any], T]) -> list[T]:
        return [read(source) for source in sources] if in_turn else _side_by_side(read, list(sources))

    if schemas is None:
        schemas = tuple(dict.fromkeys(n for found in each(schema_names) for n in (None, *found)))
    exclude = {history.TABLE_NAME}

    def read(source: Any) -> tuple[Schema, tuple[Unmodelled, ...]]:
        return (reflect(source, schemas=schemas, exclude=exclude, remember=remember),
                unmodelled(source, schemas=schemas, exclude=exclude))

    return [(schema, dialect, others) for (schema, others), dialect in zip(each(read), dialects, strict=True)]


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

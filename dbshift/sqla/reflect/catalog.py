"""What PostgreSQL's reflection reads a database through: a :class:`Catalog`, with or without SQLAlchemy.

PostgreSQL's readers (:mod:`.postgresql`, :mod:`.objects`' ``pg_*`` modules, :mod:`.unmodelled`) write their
statements as the driver's own text: psycopg's ``%(name)s`` parameters, nothing for SQLAlchemy to compile.  They
read the same through a SQLAlchemy connection (:class:`ConnectionCatalog`: its events, its transaction and its
errors, as any statement of a command) and through a bare psycopg connection (:class:`DriverCatalog`), which is
how ``dbshift diff`` reads two servers while it is still importing SQLAlchemy.  MySQL's and SQLite's readers
take a :class:`ConnectionCatalog` and read through its SQLAlchemy connection: their statements take SQLAlchemy's
expanding parameters and its quoting.

Importing this module imports neither SQLAlchemy nor a driver.
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache
from itertools import repeat
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    import sqlalchemy as sa

Params = Mapping[str, Any]

_NO_PARAMETERS = {"no_parameters": True}


class Catalog:
    """A connection reflection reads: the dialect's name (``connection.dialect.name``), the server's version, and
    the rows of a statement (named tuples)."""

    dialect: str
    version: tuple[int, ...]

    def rows(self, sql: str, params: Params | None = None) -> list[Any]:
        raise NotImplementedError


class ConnectionCatalog(Catalog):
    """A SQLAlchemy connection as a :class:`Catalog`: each statement goes to the driver as written
    (``exec_driver_sql``); its rows are read straight from the cursor, without SQLAlchemy's row objects."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.dialect: str = connection.dialect.name
        self.version: tuple[int, ...] = tuple(getattr(connection.dialect, "server_version_info", None) or ())

    def rows(self, sql: str, params: Params | None = None) -> list[Any]:
        if params:
            result = self.connection.exec_driver_sql(sql, dict(params))
        else:  # the text as written, a literal % included: the driver reads no parameters in it
            result = self.connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
        try:
            return cursor_rows(result.cursor)
        finally:
            result.close()


class DriverCatalog(Catalog):
    """A DB-API connection (psycopg's) as a :class:`Catalog`; the caller opens it, closes it, and ends its
    transaction."""

    def __init__(self, connection: Any, dialect: str, version: tuple[int, ...]) -> None:
        self.connection = connection
        self.dialect = dialect
        self.version = version

    def rows(self, sql: str, params: Params | None = None) -> list[Any]:
        cursor = self.connection.cursor()
        try:
            if params:
                cursor.execute(sql, dict(params))
            else:
                cursor.execute(sql)
            return cursor_rows(cursor)
        finally:
            cursor.close()


def catalog_of(connection: sa.Connection | Catalog) -> Catalog:
    """``connection`` as a :class:`Catalog` (a catalog already is one)."""
    return connection if isinstance(connection, Catalog) else ConnectionCatalog(connection)


def cursor_rows(cursor: Any) -> list[Any]:
    """Every row ``cursor`` holds, as named tuples (none for a statement that returns no rows: SQLAlchemy has
    closed its cursor)."""
    if cursor is None or cursor.description is None:
        return []
    row_type = _row_type(tuple(d[0] for d in cursor.description))
    rows = cursor.fetchall()
    return list(map(tuple.__new__, repeat(row_type, len(rows)), rows))  # each row as _make makes it, in C alone


@lru_cache(maxsize=None)
def _row_type(names: tuple[str, ...]) -> Any:
    return namedtuple("Row", names)

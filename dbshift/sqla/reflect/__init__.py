"""Reflection: a live database → :class:`dbshift.core.model.Schema`.

Each dialect module reads the *whole* schema in a fixed handful of bulk catalog
queries (never a few queries per table) and assembles the model in Python, so
a schema of 500 tables reflects as fast as one of five.

A dialect module exposes ``reflect(connection, *, schemas, exclude) -> Schema``;
add new dialects to :data:`DIALECTS`.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from types import ModuleType
from typing import Callable, Collection, Iterator, Sequence

import sqlalchemy as sa

from ...core.errors import DbshiftError
from ...core.model import Schema, Table

__all__ = ["DIALECTS", "Remember", "UnsupportedDialect", "reflect", "schema_names"]

#: ``remember(fingerprint, read)``: the tables ``read()`` returns, or those it returned before for the same
#: fingerprint (text naming everything the tables follow from); see :mod:`dbshift.project.schema_cache`
Remember = Callable[[str, Callable[[], list[Table]]], list[Table]]

#: dialect name (``connection.dialect.name``) → module in this package
DIALECTS: dict[str, str] = {
    "postgresql": "postgresql",
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
}


class UnsupportedDialect(DbshiftError):
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        supported = ", ".join(sorted(DIALECTS))
        super().__init__(f"cannot reflect a {dialect!r} database (reflection supports: {supported})")


def _module(connection: sa.engine.Connection) -> ModuleType:
    name = connection.dialect.name
    module_name = DIALECTS.get(name)
    if module_name is None:
        raise UnsupportedDialect(name)
    return importlib.import_module(f"{__name__}.{module_name}")


def schema_names(connection: sa.engine.Connection) -> tuple[str | None, ...]:
    """Every schema of the database an application may use (None for the default one).

    Only PostgreSQL lists its schemas; other dialects give just the default one.
    """
    return getattr(_module(connection), "schema_names", lambda conn: (None,))(connection)


def reflect(
    connection: sa.engine.Connection,
    *,
    schemas: Sequence[str | None] = (None,),
    exclude: Collection[str] = ("dbshift_history",),
    remember: Remember | None = None,
) -> Schema:
    """The schema of the database behind ``connection``.

    ``schemas`` lists the database schemas to read; ``None`` is the default
    one (``public`` on PostgreSQL, ``main`` on SQLite), whose tables get
    ``schema=None`` in the model.  Tables named in ``exclude`` (by bare or
    schema-qualified name) are skipped entirely, with their triggers, policies….
    Views, functions, triggers… are read too (:mod:`.objects`).  With ``remember``, SQLite's tables may come
    back from it by the fingerprint of its ``sqlite_master`` (:func:`.sqlite.reflect`); the other databases'
    catalogs have nothing as cheap to fingerprint them by, and are read afresh.
    """
    module = _module(connection)
    if isinstance(schemas, str):
        schemas = (schemas,)
    from .objects import read_objects

    schemas = tuple(dict.fromkeys(schemas))
    with _catalog_settings(connection):
        options = {"remember": remember} if remember is not None and module.DIALECT == "sqlite" else {}
        schema = module.reflect(connection, schemas=schemas, exclude=frozenset(exclude), **options)
        return schema.with_objects(read_objects(connection, schemas=schemas, exclude=exclude))


#: PostgreSQL's settings while it reads its catalog (see :func:`_catalog_settings`)
CATALOG_SETTINGS = {"standard_conforming_strings": "on", "join_collapse_limit": "1", "from_collapse_limit": "1"}


@contextmanager
def _catalog_settings(connection: sa.engine.Connection) -> Iterator[None]:
    """PostgreSQL reads its catalog with :data:`CATALOG_SETTINGS`, put back afterwards (or with the transaction
    when reflection fails): the session's other statements (hand-written SQL, data steps) run with its own.

    - ``standard_conforming_strings`` on: the defaults and CHECKs it reports are written with standard string
      constants (with it off, the value ``a\\b`` would come back as ``'a\\\\b'``).
    - ``join_collapse_limit`` and ``from_collapse_limit`` 1: each catalog query joins its catalogs in the order
      it names them instead of weighing every order of its eight or more: a new session plans each query with
      cold caches, and that search was about a fifth of the server's time for reading a small schema.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    names = list(CATALOG_SETTINGS)
    # the subquery (kept apart by OFFSET 0) reads each setting before the outer query changes it
    current = ", ".join(f"current_setting('{name}') AS s{i}" for i, name in enumerate(names))
    change = ", ".join(f"set_config('{name}', '{value}', false)" for name, value in CATALOG_SETTINGS.items())
    before = connection.exec_driver_sql(f"SELECT was.*, {change} FROM (SELECT {current} OFFSET 0) AS was").one()
    yield  # a failure rolls the transaction back, and these settings with it
    back = {f"n{i}": name for i, name in enumerate(names)} | {f"v{i}": before[i] for i in range(len(names))}
    connection.execute(sa.text("SELECT " + ", ".join(f"set_config(:n{i}, :v{i}, false)" for i in range(len(names)))),
                       back)

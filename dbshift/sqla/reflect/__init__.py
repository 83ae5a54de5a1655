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
    with _standard_strings(connection):
        options = {"remember": remember} if remember is not None and module.DIALECT == "sqlite" else {}
        schema = module.reflect(connection, schemas=schemas, exclude=frozenset(exclude), **options)
        return schema.with_objects(read_objects(connection, schemas=schemas, exclude=exclude))


@contextmanager
def _standard_strings(connection: sa.engine.Connection) -> Iterator[None]:
    """PostgreSQL writes the defaults and CHECKs it reports with standard string constants while reflecting.

    With ``standard_conforming_strings`` off it would write ``'a\\\\b'`` for the
    value ``a\\b``; the setting is put back afterwards (or with the transaction
    when reflection fails), as the session's other statements (hand-written SQL)
    are written for it.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    if connection.exec_driver_sql("SHOW standard_conforming_strings").scalar() == "on":
        yield
        return
    connection.exec_driver_sql("SET standard_conforming_strings = on")
    yield  # a failure rolls the transaction back, and this SET with it
    connection.exec_driver_sql("SET standard_conforming_strings = off")

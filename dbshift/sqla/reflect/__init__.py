"""Reflection: a live database → :class:`dbshift.core.model.Schema`.

Each dialect module reads the *whole* schema in a fixed handful of bulk catalog
queries (never a few queries per table) and assembles the model in Python, so
a schema of 500 tables reflects as fast as one of five.

A dialect module exposes ``reflect(catalog, *, schemas, exclude) -> Schema``
(:mod:`.catalog`); add new dialects to :data:`DIALECTS`.  The functions here take a
SQLAlchemy connection or, for PostgreSQL, a :class:`~.catalog.DriverCatalog`.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Callable, Collection, Iterator, Sequence

from ...core.errors import DbshiftError
from ...core.model import Schema, Table
from .catalog import Catalog, catalog_of

if TYPE_CHECKING:
    import sqlalchemy as sa

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


def _module(catalog: Catalog) -> ModuleType:
    name = catalog.dialect
    module_name = DIALECTS.get(name)
    if module_name is None:
        raise UnsupportedDialect(name)
    return importlib.import_module(f"{__name__}.{module_name}")


def schema_names(connection: sa.Connection | Catalog) -> tuple[str | None, ...]:
    """Every schema of the database an application may use (None for the default one).

    Only PostgreSQL lists its schemas; other dialects give just the default one.
    """
    catalog = catalog_of(connection)
    return getattr(_module(catalog), "schema_names", lambda catalog: (None,))(catalog)


def reflect(
    connection: sa.Connection | Catalog,
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
    catalog = catalog_of(connection)
    module = _module(catalog)
    if isinstance(schemas, str):
        schemas = (schemas,)
    from .objects import read_objects

    schemas = tuple(dict.fromkeys(schemas))
    with _standard_strings(catalog):
        options = {"remember": remember} if remember is not None and module.DIALECT == "sqlite" else {}
        schema = module.reflect(catalog, schemas=schemas, exclude=frozenset(exclude), **options)
        return schema.with_objects(read_objects(catalog, schemas=schemas, exclude=exclude))


@contextmanager
def _standard_strings(catalog: Catalog) -> Iterator[None]:
    """PostgreSQL writes the defaults and CHECKs it reports with standard string constants while reflecting.

    With ``standard_conforming_strings`` off it would write ``'a\\\\b'`` for the
    value ``a\\b``; the setting is put back afterwards (or with the transaction
    when reflection fails), as the session's other statements (hand-written SQL)
    are written for it.
    """
    if catalog.dialect != "postgresql":
        yield
        return
    if catalog.rows("SHOW standard_conforming_strings")[0][0] == "on":
        yield
        return
    catalog.rows("SET standard_conforming_strings = on")
    yield  # a failure rolls the transaction back, and this SET with it
    catalog.rows("SET standard_conforming_strings = off")

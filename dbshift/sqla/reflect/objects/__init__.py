"""Reading views, functions, triggers… (:class:`~dbshift.core.objects.DbObject`) from a live database.

``read_objects(connection, schemas=..., exclude=...)`` returns every such
object of the schemas asked for, each with the statements that create, drop
and replace it as the database prints them, and what it depends on.  One
module per group of kinds and dialect, each exposing
``read(catalog, schemas) -> list[DbObject]`` with a fixed handful of bulk
catalog queries (never a few per object); see :mod:`..catalog`.

Naming, shared by every reader so that ``requires`` can point across them:
PostgreSQL names are schema-qualified (``public.v``), a function's carries its
identity arguments (``public.total(integer, text)``), an object of a table
says so (``audit on public.orders``); MySQL/MariaDB and SQLite names are bare.
Tables are referred to by their model key (``orders``, ``audit.orders``).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Collection, Sequence

from ....core.objects import DbObject
from ..catalog import Catalog, catalog_of

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["read_objects", "READERS"]

#: dialect name → the modules (in this package) that read its objects
READERS: dict[str, tuple[str, ...]] = {
    "postgresql": ("pg_types", "pg_routines", "pg_views", "pg_triggers", "pg_security"),
    "mysql": ("mysql",),
    "mariadb": ("mysql",),
    "sqlite": ("sqlite",),
}


def read_objects(
    connection: sa.Connection | Catalog,
    *,
    schemas: Sequence[str | None] = (None,),
    exclude: Collection[str] = (),
) -> tuple[DbObject, ...]:
    """The objects of ``schemas`` (None: the default one), sorted by id; those of tables in ``exclude``
    (by bare or qualified key) are left out."""
    found: list[DbObject] = []
    catalog = catalog_of(connection)
    readers = [importlib.import_module(f"{__name__}.{name}") for name in READERS.get(catalog.dialect, ())]
    for reader in _with_something_to_read(catalog, readers, tuple(schemas)):
        found += reader.read(catalog, tuple(schemas))
    excluded = frozenset(exclude)
    return tuple(sorted(
        (x for x in found if x.table is None or not (x.table in excluded or x.table.rsplit(".", 1)[-1] in excluded)),
        key=lambda x: x.id,
    ))


def _with_something_to_read(catalog: Catalog, readers: list[ModuleType],
                            schemas: tuple[str | None, ...]) -> list[ModuleType]:
    """``readers``, less those with nothing to read: one query asks each reader's ``PRESENT`` condition (SQL true
    whenever its queries can return a row, given ``%(schemas)s`` as they take it) at once, so that a schema of
    tables alone costs a fraction of the readers' queries.  A reader without one (so far, all but
    PostgreSQL's) is always kept."""
    asked = [reader for reader in readers if getattr(reader, "PRESENT", None)]
    if not asked:
        return readers
    from ._pg_catalog import schema_params

    columns = ", ".join(f"{reader.PRESENT} AS present_{i}" for i, reader in enumerate(asked))
    present = catalog.rows(f"SELECT {columns}", schema_params(schemas))[0]
    empty = {reader for reader, found in zip(asked, present, strict=True) if not found}
    return [reader for reader in readers if reader not in empty]

"""What the schema model does not cover, read in one catalog query per dialect.

``unmodelled(connection, schemas=..., exclude=...)`` lists the collations,
storage parameters and rules of the schemas asked for as
:class:`~dbshift.core.unmodelled.Unmodelled` values: kind, name, a digest of the
definition as the server prints it, and the tables and columns each one
depends on, from ``pg_depend``.  That is PostgreSQL only: every kind of object
MySQL/MariaDB and SQLite have (views, triggers, routines, events) is modelled
(:mod:`dbshift.sqla.reflect.objects`), so there is nothing left to list there,
and so are most of PostgreSQL's (views, routines, triggers, types, extensions,
policies, grants, comments).

Definitions are compared exactly as PostgreSQL prints them (a function whose
body changed only in white space differs).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Collection, Sequence

from ...core.model import qualified
from ...core.unmodelled import Unmodelled
from .catalog import Catalog, catalog_of

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["unmodelled"]

_PG_DEPENDS = """ARRAY(
    SELECT DISTINCT ARRAY[dn.nspname, dc.relname, COALESCE(da.attname, '')]
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid AND dc.relkind IN ('r', 'p')
    JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
    LEFT JOIN pg_catalog.pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid
                                         AND d.refobjsubid > 0
    WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('n', 'a')
      AND d.classid = '{catalog}'::regclass AND {objid})"""

_PG_NOT_EXTENSION = """NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend e
    WHERE e.classid = '{catalog}'::regclass AND e.objid = {oid} AND e.deptype IN ('e', 'i'))"""


def _pg_depends(catalog: str, objid: str) -> str:
    return _PG_DEPENDS.format(catalog=catalog, objid=objid)


def _pg_not_extension(catalog: str, oid: str) -> str:
    return _PG_NOT_EXTENSION.format(catalog=catalog, oid=oid)


# kind, schema, name, the table it belongs to (schema, name), definition, dependencies [[schema, table, column]]
POSTGRESQL = f"""
SELECT 'collation' AS kind, n.nspname AS schema, coll.collname AS name, NULL AS on_schema, NULL AS on_table,
       (to_jsonb(coll) - 'oid' - 'collname' - 'collnamespace' - 'collowner' - 'collversion')::text AS definition,
       ARRAY[]::text[] AS depends
FROM pg_catalog.pg_collation coll JOIN pg_catalog.pg_namespace n ON n.oid = coll.collnamespace
WHERE n.nspname = ANY(%(schemas)s) AND {_pg_not_extension("pg_catalog.pg_collation", "coll.oid")}
UNION ALL
SELECT 'storage parameters', n.nspname, '', n.nspname, c.relname, array_to_string(c.reloptions, ','),
       ARRAY[]::text[]
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.reloptions IS NOT NULL AND n.nspname = ANY(%(schemas)s)
UNION ALL
SELECT 'rule', n.nspname, r.rulename, n.nspname, c.relname, pg_get_ruledef(r.oid),
       {_pg_depends("pg_catalog.pg_rewrite", "d.objid = r.oid")}
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT (r.rulename = '_RETURN' AND c.relkind IN ('v', 'm')) AND n.nspname = ANY(%(schemas)s)
"""


def unmodelled(
    connection: sa.Connection | Catalog,
    *,
    schemas: Sequence[str | None] = (None,),
    exclude: Collection[str] = (),
) -> tuple[Unmodelled, ...]:
    """The unmodelled objects of ``schemas`` (None: the default one), sorted by kind and name.

    Objects of the tables in ``exclude`` (triggers, policies, rules) are left
    out.  Other dialects have none.
    """
    catalog = catalog_of(connection)
    if catalog.dialect != "postgresql":
        return ()  # every kind MySQL/MariaDB and SQLite have is modelled (dbshift.sqla.reflect.objects)
    found = _postgresql(catalog, schemas)
    exclude = frozenset(exclude)
    return tuple(sorted(
        (u for u in found if u.table is None or not _excluded(u.table, exclude)), key=lambda u: (u.kind, u.name)
    ))


def _excluded(key: str, exclude: frozenset[str]) -> bool:
    return key in exclude or key.rsplit(".", 1)[-1] in exclude


def _digest(text: str | None) -> str:
    """A short hash of a definition as the server prints it."""
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:16]


def _postgresql(catalog: Catalog, schemas: Sequence[str | None]) -> list[Unmodelled]:
    def key(nspname: str, relname: str) -> str:
        return qualified(relname, None if nspname == "public" else nspname)

    params = {"schemas": sorted({s or "public" for s in schemas})}
    found = []
    for row in catalog.rows(POSTGRESQL, params):
        table = key(row.on_schema, row.on_table) if row.on_table else None
        if row.kind == "storage parameters":
            name = f"of {row.on_schema}.{row.on_table}"
        elif table:
            name = f"{row.name} on {row.on_schema}.{row.on_table}"
        else:
            name = f"{row.schema}.{row.name}"
        depends = frozenset((key(nsp, rel), col or None) for nsp, rel, col in (row.depends or ()))
        found.append(Unmodelled(row.kind, name, _digest(row.definition), depends, table))
    return found

"""What the schema model does not cover, read in one catalog query per dialect.

``unmodelled(connection, schemas=..., exclude=...)`` lists the domains,
extensions, policies, rules… of the schemas asked for as
:class:`~dbshift.core.unmodelled.Unmodelled` values: kind, name, a digest of the
definition as the server prints it, and the tables and columns each one
depends on, from ``pg_depend``.  That is PostgreSQL only: every kind of object
MySQL/MariaDB and SQLite have (views, triggers, routines, events) is modelled
(:mod:`dbshift.sqla.reflect.objects`), so there is nothing left to list there.
PostgreSQL's views, materialized views, functions, procedures, aggregates and
triggers are modelled too.

Definitions are compared exactly as PostgreSQL prints them (a function whose
body changed only in white space differs).
"""

from __future__ import annotations

import hashlib
from typing import Collection, Sequence

import sqlalchemy as sa

from ...core.model import qualified
from ...core.unmodelled import Unmodelled

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
SELECT CASE t.typtype WHEN 'c' THEN 'composite type' WHEN 'r' THEN 'range type' ELSE 'domain' END AS kind,
       n.nspname AS schema, t.typname AS name, NULL AS on_schema, NULL AS on_table,
       CASE WHEN t.typtype = 'c' THEN
            (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                               ORDER BY a.attnum)
             FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
       WHEN t.typtype = 'r' THEN
            (SELECT format_type(rg.rngsubtype, NULL) || ' '
                    || (SELECT oc.opcname FROM pg_catalog.pg_opclass oc WHERE oc.oid = rg.rngsubopc)
             FROM pg_catalog.pg_range rg WHERE rg.rngtypid = t.oid)
       ELSE format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
            || COALESCE(' DEFAULT ' || t.typdefault, '')
            || COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' '
                                           || pg_get_constraintdef(k.oid),
                                           '' ORDER BY k.conname)
                         FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid), '') END AS definition,
       ARRAY[]::text[] AS depends
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY(:schemas) AND {_pg_not_extension("pg_catalog.pg_type", "t.oid")}
  AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c'
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_class tc WHERE tc.oid = t.typrelid AND tc.relkind = 'c')))
UNION ALL
SELECT 'extension', n.nspname, x.extname, NULL, NULL, x.extversion, ARRAY[]::text[]
FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
WHERE x.extname <> 'plpgsql' AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'policy', n.nspname, pol.polname, n.nspname, c.relname,
       concat_ws(' ', pol.polcmd, pol.polpermissive,
                 (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY 1)
                  FROM unnest(pol.polroles) AS r),
                 pg_get_expr(pol.polqual, pol.polrelid), '/', pg_get_expr(pol.polwithcheck, pol.polrelid)),
       {_pg_depends("pg_catalog.pg_policy", "d.objid = pol.oid")}
FROM pg_catalog.pg_policy pol
JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(:schemas)
UNION ALL
SELECT 'row-level security', n.nspname, '', n.nspname, c.relname,
       concat_ws(' ', CASE WHEN c.relrowsecurity THEN 'enabled' END, CASE WHEN c.relforcerowsecurity THEN 'forced' END),
       ARRAY[]::text[]
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'collation', n.nspname, coll.collname, NULL, NULL,
       (to_jsonb(coll) - 'oid' - 'collname' - 'collnamespace' - 'collowner' - 'collversion')::text, ARRAY[]::text[]
FROM pg_catalog.pg_collation coll JOIN pg_catalog.pg_namespace n ON n.oid = coll.collnamespace
WHERE n.nspname = ANY(:schemas) AND {_pg_not_extension("pg_catalog.pg_collation", "coll.oid")}
UNION ALL
SELECT 'storage parameters', n.nspname, '', n.nspname, c.relname, array_to_string(c.reloptions, ','),
       ARRAY[]::text[]
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.reloptions IS NOT NULL AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'privileges', n.nspname, c.relname, n.nspname, CASE WHEN c.relkind IN ('r', 'p') THEN c.relname END,
       c.relacl::text, ARRAY[]::text[]
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY(:schemas)
  AND {_pg_not_extension("pg_catalog.pg_class", "c.oid")}
UNION ALL
SELECT 'privileges', n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL,
       p.proacl::text, ARRAY[]::text[]
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proacl IS NOT NULL AND n.nspname = ANY(:schemas) AND {_pg_not_extension("pg_catalog.pg_proc", "p.oid")}
UNION ALL
SELECT 'privileges', n.nspname, '', NULL, NULL, n.nspacl::text, ARRAY[]::text[]
FROM pg_catalog.pg_namespace n WHERE n.nspacl IS NOT NULL AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'rule', n.nspname, r.rulename, n.nspname, c.relname, pg_get_ruledef(r.oid),
       {_pg_depends("pg_catalog.pg_rewrite", "d.objid = r.oid")}
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT (r.rulename = '_RETURN' AND c.relkind IN ('v', 'm')) AND n.nspname = ANY(:schemas)
"""

def unmodelled(
    connection: sa.engine.Connection,
    *,
    schemas: Sequence[str | None] = (None,),
    exclude: Collection[str] = (),
) -> tuple[Unmodelled, ...]:
    """The unmodelled objects of ``schemas`` (None: the default one), sorted by kind and name.

    Objects of the tables in ``exclude`` (triggers, policies, rules) are left
    out.  Other dialects have none.
    """
    if connection.dialect.name != "postgresql":
        return ()  # every kind MySQL/MariaDB and SQLite have is modelled (dbshift.sqla.reflect.objects)
    found = _postgresql(connection, schemas)
    exclude = frozenset(exclude)
    return tuple(sorted(
        (u for u in found if u.table is None or not _excluded(u.table, exclude)), key=lambda u: (u.kind, u.name)
    ))


def _excluded(key: str, exclude: frozenset[str]) -> bool:
    return key in exclude or key.rsplit(".", 1)[-1] in exclude


def _digest(text: str | None) -> str:
    """A short hash of a definition as the server prints it."""
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:16]


def _postgresql(connection: sa.engine.Connection, schemas: Sequence[str | None]) -> list[Unmodelled]:
    def key(nspname: str, relname: str) -> str:
        return qualified(relname, None if nspname == "public" else nspname)

    params = {"schemas": sorted({s or "public" for s in schemas})}
    found = []
    for row in connection.execute(sa.text(POSTGRESQL), params):
        table = key(row.on_schema, row.on_table) if row.on_table else None
        if row.kind == "privileges":
            name = f"on {row.schema}.{row.name}" if row.name else f"on schema {row.schema}"
        elif row.kind in ("row-level security", "storage parameters"):
            name = f"of {row.on_schema}.{row.on_table}"
        elif table:
            name = f"{row.name} on {row.on_schema}.{row.on_table}"
        else:
            name = row.name if row.kind == "extension" else f"{row.schema}.{row.name}"
        depends = frozenset((key(nsp, rel), col or None) for nsp, rel, col in (row.depends or ()))
        found.append(Unmodelled(row.kind, name, _digest(row.definition), depends, table))
    return found

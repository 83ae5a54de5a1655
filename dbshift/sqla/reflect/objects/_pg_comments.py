"""PostgreSQL comments on objects other than tables and their columns (the tables' model holds those).

One :class:`~dbshift.core.objects.DbObject` of kind ``comment`` per commented
object, named after it (``on view public.v``, ``on column public.v.id``,
``on constraint positive on domain public.posint``): views, materialized
views and their columns, composite types and their attributes, sequences,
indexes, constraints, domains, types, functions, procedures, aggregates,
triggers, policies, rules, schemas, extensions, collations and statistics.
``create`` and ``replace`` set the comment, ``drop`` clears it; the comment
requires its object when that object is a :class:`DbObject` too, so that
re-creating the object sets its comment again.

An extension gets the comment of its control file when created: that one
counts as no comment, and dropping another restores it.
"""

from __future__ import annotations

from typing import Any

from ....core.objects import DbObject
from ..catalog import Catalog
from ._pg_catalog import (
    QUOTED_NAME, QUOTED_ROUTINE, ROUTINE_KIND, ROUTINE_NAME, literal, not_member, owning_table, table_key,
)

_REL = QUOTED_NAME.format(ns="n", alias="c", column="relname")
_RELATION_KIND = "CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE NULL END"

# keyword, target: what COMMENT ON takes; name: the object as ids name it (``view public.v``); required: the
# object's id when it is a DbObject; table_schema/table_name: the table it belongs to; comment; default_comment.
# One SELECT for each kind of object, after the catalogs whose comments it reads
_SELECTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("pg_class",), f"""
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                      WHEN 'i' THEN 'INDEX' ELSE 'FOREIGN TABLE' END AS keyword,
       {_REL} AS target,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                      WHEN 'i' THEN 'index' ELSE 'foreign table' END || ' ' || n.nspname || '.' || c.relname AS name,
       COALESCE({_RELATION_KIND} || ':' || n.nspname || '.' || c.relname,
                CASE WHEN ic.relkind = 'm' THEN 'index:' || n.nspname || '.' || c.relname END) AS required,
       CASE WHEN ic.relkind IN ('r', 'p') THEN n.nspname ELSE owner.nspname END AS table_schema,
       CASE WHEN ic.relkind IN ('r', 'p') THEN ic.relname ELSE owner.relname END AS table_name,
       d.description AS comment, NULL AS default_comment
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class c ON d.classoid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objoid AND d.objsubid = 0
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_catalog.pg_class ic ON ic.oid = i.indrelid
{owning_table("c.oid")}
WHERE c.relkind IN ('v', 'm', 'S', 'i', 'f') AND n.nspname = ANY(%(schemas)s)
  AND {not_member("pg_catalog.pg_class", "COALESCE(ic.oid, c.oid)")}
"""),
    (("pg_class",), f"""
SELECT 'COLUMN', {_REL} || '.' || quote_ident(a.attname),
       'column ' || n.nspname || '.' || c.relname || '.' || a.attname,
       COALESCE({_RELATION_KIND}, 'composite type') || ':' || n.nspname || '.' || c.relname,
       NULL, NULL, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class c ON d.classoid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objoid
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm', 'c', 'f') AND n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_class", "c.oid")}
"""),
    (("pg_type",), f"""
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, {QUOTED_NAME.format(ns="n", alias="t", column="typname")},
       CASE t.typtype WHEN 'd' THEN 'domain ' ELSE 'type ' END || n.nspname || '.' || t.typname,
       CASE t.typtype WHEN 'd' THEN 'domain:' WHEN 'r' THEN 'range type:' WHEN 'c' THEN 'composite type:' END
           || n.nspname || '.' || t.typname,
       NULL, NULL, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_type t ON d.classoid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objoid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
WHERE (t.typtype IN ('d', 'r', 'e') OR (t.typtype = 'c' AND tc.relkind = 'c')) AND n.nspname = ANY(%(schemas)s)
  AND {not_member("pg_catalog.pg_type", "t.oid")}
"""),
    (("pg_proc",), f"""
SELECT upper({ROUTINE_KIND.format(p="p")}), {QUOTED_ROUTINE.format(ns="n", p="p")},
       {ROUTINE_KIND.format(p="p")} || ' ' || {ROUTINE_NAME.format(ns="n", p="p")},
       {ROUTINE_KIND.format(p="p")} || ':' || {ROUTINE_NAME.format(ns="n", p="p")},
       NULL, NULL, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_proc p ON d.classoid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_proc", "p.oid")}
"""),
    (("pg_constraint",), f"""
SELECT 'CONSTRAINT', quote_ident(k.conname) || ' ON ' || COALESCE({_REL}, 'DOMAIN '
           || {QUOTED_NAME.format(ns="n", alias="t", column="typname")}),
       'constraint ' || k.conname || ' on ' || COALESCE(n.nspname || '.' || c.relname,
                                                        'domain ' || n.nspname || '.' || t.typname),
       'domain:' || n.nspname || '.' || t.typname, n.nspname, c.relname, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_constraint k ON d.classoid = 'pg_catalog.pg_constraint'::regclass AND k.oid = d.objoid
LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid LEFT JOIN pg_catalog.pg_type t ON t.oid = k.contypid
JOIN pg_catalog.pg_namespace n ON n.oid = COALESCE(c.relnamespace, t.typnamespace)
WHERE n.nspname = ANY(%(schemas)s) AND (c.relkind IS NULL OR c.relkind IN ('r', 'p'))
"""),
    (("pg_trigger", "pg_policy", "pg_rewrite"), f"""
SELECT x.keyword, quote_ident(x.object) || ' ON ' || {_REL},
       lower(x.keyword) || ' ' || x.object || ' on ' || n.nspname || '.' || c.relname,
       lower(x.keyword) || ':' || x.object || ' on ' || n.nspname || '.' || c.relname,
       n.nspname, c.relname, d.description, NULL
FROM (SELECT 'TRIGGER' AS keyword, 'pg_catalog.pg_trigger'::regclass AS catalog, tg.oid, tg.tgname AS object,
             tg.tgrelid AS relid
      FROM pg_catalog.pg_trigger tg WHERE NOT tg.tgisinternal
      UNION ALL
      SELECT 'POLICY', 'pg_catalog.pg_policy'::regclass, pol.oid, pol.polname, pol.polrelid FROM pg_catalog.pg_policy pol
      UNION ALL
      SELECT 'RULE', 'pg_catalog.pg_rewrite'::regclass, r.oid, r.rulename, r.ev_class FROM pg_catalog.pg_rewrite r
      WHERE r.rulename <> '_RETURN') x
JOIN pg_catalog.pg_description d ON d.classoid = x.catalog AND d.objoid = x.oid
JOIN pg_catalog.pg_class c ON c.oid = x.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_class", "c.oid")}
"""),
    (("pg_namespace",), f"""
SELECT 'SCHEMA', quote_ident(n.nspname), 'schema ' || n.nspname, NULL, NULL, NULL, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_namespace n ON d.classoid = 'pg_catalog.pg_namespace'::regclass AND n.oid = d.objoid
WHERE n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_namespace", "n.oid")}
"""),
    (("pg_extension",), """
SELECT 'EXTENSION', quote_ident(x.extname), 'extension ' || x.extname, 'extension:' || x.extname, NULL, NULL,
       d.description, (SELECT a.comment FROM pg_catalog.pg_available_extensions a WHERE a.name = x.extname)
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_extension x ON d.classoid = 'pg_catalog.pg_extension'::regclass AND x.oid = d.objoid
JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
WHERE n.nspname = ANY(%(schemas)s)
"""),
    (("pg_collation",), f"""
SELECT 'COLLATION', {QUOTED_NAME.format(ns="n", alias="co", column="collname")},
       'collation ' || n.nspname || '.' || co.collname, 'collation:' || n.nspname || '.' || co.collname,
       NULL, NULL, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_collation co ON d.classoid = 'pg_catalog.pg_collation'::regclass AND co.oid = d.objoid
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_collation", "co.oid")}
"""),
    (("pg_statistic_ext",), f"""
SELECT 'STATISTICS', {QUOTED_NAME.format(ns="n", alias="s", column="stxname")},
       'statistics ' || n.nspname || '.' || s.stxname, NULL, tn.nspname, c.relname, d.description, NULL
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_statistic_ext s ON d.classoid = 'pg_catalog.pg_statistic_ext'::regclass AND s.oid = d.objoid
JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
"""),
)

_COLUMNS = "keyword, target, name, required, table_schema, table_name, comment, default_comment"

# the catalogs holding a comment that may be the application's: every object made after initdb has an oid of
# at least 16384 (FirstNormalObjectId); the schema ``public`` is older, and its comment may be changed
COMMENTED = """
SELECT DISTINCT d.classoid::regclass::text AS catalog FROM pg_catalog.pg_description d
WHERE d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::regclass
"""


def read(catalog: Catalog, params: dict) -> list[DbObject]:
    """The comments on the objects of the schemas in ``params`` (an extension's own comment left out).

    Only the kinds of object some comment is on are queried: a backend's first look at a catalog costs the
    server time, and a query of every kind, about 9 ms of it in a new session."""
    commented = {row.catalog.removeprefix("pg_catalog.") for row in catalog.rows(COMMENTED)}
    selects = [select for catalogs, select in _SELECTS if commented.intersection(catalogs)]
    if not selects:
        return []
    query = (f"SELECT * FROM ({'UNION ALL'.join(selects)}) AS found({_COLUMNS})")
    return [_comment(row) for row in catalog.rows(query, params) if row.comment != row.default_comment]


def _comment(row: Any) -> DbObject:
    on = f"COMMENT ON {row.keyword} {row.target} IS"
    create = f"{on} {literal(row.comment)}"
    restored = literal(row.default_comment) if row.default_comment is not None else "NULL"
    table = table_key(row.table_schema, row.table_name) if row.table_name else None
    return DbObject(
        "comment", f"on {row.name}", (create,), (f"{on} {restored}",), (create,), table=table,
        definition=row.comment, requires=(row.required,) if row.required else (),
    )

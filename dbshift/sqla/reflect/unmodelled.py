"""What the schema model does not cover, read in one catalog query per dialect.

``unmodelled(connection, schemas=..., exclude=...)`` lists the views,
functions, triggers, domains, extensions… of the schemas asked for as
:class:`~dbshift.core.unmodelled.Unmodelled` values: kind, name, a digest of the
definition as the server prints it, and the tables and columns each one
depends on — from ``pg_depend`` on PostgreSQL, from the definition's text on
MySQL/MariaDB (the fully qualified names a view's definition holds, a
trigger's table and the ``NEW.``/``OLD.`` columns it uses) and on SQLite (the
tables a view's or trigger's SQL names, and the columns of those tables it
names: a table rebuild keeps views and triggers, and breaks only those that
use a column it drops).

Definitions are compared exactly as PostgreSQL and MySQL print them (a
function whose body changed only in white space differs); SQLite keeps the
text as it was typed, so runs of white space count as one there.
"""

from __future__ import annotations

import hashlib
import re
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
SELECT 'statistics', n.nspname, s.stxname, cn.nspname, c.relname, pg_get_statisticsobjdef(s.oid),
       {_pg_depends("pg_catalog.pg_statistic_ext", "d.objid = s.oid")}
FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
WHERE n.nspname = ANY(:schemas)
UNION ALL
SELECT 'storage parameters', n.nspname, '', n.nspname, c.relname, array_to_string(c.reloptions, ','),
       ARRAY[]::text[]
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.reloptions IS NOT NULL AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'statistics target', n.nspname, a.attname, n.nspname, c.relname, a.attstattarget::text,
       ARRAY[]::text[]
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget >= 0
  AND n.nspname = ANY(:schemas)
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

# MariaDB/MySQL: the current database only (what the model calls the default schema)
MYSQL = """
SELECT 'view' AS kind, v.TABLE_NAME AS name, NULL AS on_table, v.VIEW_DEFINITION AS definition, DATABASE() AS db
FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT LOWER(r.ROUTINE_TYPE), r.ROUTINE_NAME, NULL,
       CONCAT_WS(' ', (SELECT GROUP_CONCAT(CONCAT_WS(' ', p.PARAMETER_MODE, p.PARAMETER_NAME, p.DTD_IDENTIFIER)
                                   ORDER BY p.ORDINAL_POSITION)
                       FROM information_schema.PARAMETERS p
                       WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME
                         AND p.ORDINAL_POSITION > 0),
                 r.DTD_IDENTIFIER, r.IS_DETERMINISTIC, r.SQL_DATA_ACCESS, r.ROUTINE_DEFINITION),
       DATABASE()
FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = DATABASE()
UNION ALL
SELECT 'trigger', t.TRIGGER_NAME, t.EVENT_OBJECT_TABLE,
       CONCAT_WS(' ', t.ACTION_TIMING, t.EVENT_MANIPULATION, t.ACTION_ORIENTATION, t.ACTION_STATEMENT), DATABASE()
FROM information_schema.TRIGGERS t WHERE t.TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT 'event', e.EVENT_NAME, NULL,
       CONCAT_WS(' ', e.EVENT_TYPE, e.INTERVAL_VALUE, e.INTERVAL_FIELD, e.STATUS, e.EVENT_DEFINITION), DATABASE()
FROM information_schema.EVENTS e WHERE e.EVENT_SCHEMA = DATABASE()
"""

SQLITE = """
SELECT m.type AS kind, m.name, m.tbl_name AS on_table, m.sql AS definition FROM main.sqlite_master m
WHERE m.type IN ('view', 'trigger', 'table') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
UNION ALL
SELECT 'column', c.name, m.name, NULL FROM main.sqlite_master m JOIN pragma_table_info(m.name) c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
"""


def unmodelled(
    connection: sa.engine.Connection,
    *,
    schemas: Sequence[str | None] = (None,),
    exclude: Collection[str] = (),
) -> tuple[Unmodelled, ...]:
    """The unmodelled objects of ``schemas`` (None: the default one), sorted by kind and name.

    Objects of the tables in ``exclude`` (triggers, policies, rules) are left
    out.  MySQL/MariaDB and SQLite read their default schema only.
    """
    name = connection.dialect.name
    if name == "postgresql":
        found = _postgresql(connection, schemas)
    elif name in ("mysql", "mariadb"):
        found = _mysql(connection)
    elif name == "sqlite":
        found = _sqlite(connection)
    else:
        return ()
    exclude = frozenset(exclude)
    return tuple(sorted(
        (u for u in found if u.table is None or not _excluded(u.table, exclude)), key=lambda u: (u.kind, u.name)
    ))


def _excluded(key: str, exclude: frozenset[str]) -> bool:
    return key in exclude or key.rsplit(".", 1)[-1] in exclude


def _digest(text: str | None, *, collapse: bool = False) -> str:
    """A short hash of a definition as the server prints it (``collapse``: runs of white space count as one)."""
    text = (text or "").strip()
    return hashlib.sha256((" ".join(text.split()) if collapse else text).encode()).hexdigest()[:16]


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
        elif row.kind == "statistics target":
            name = f"of {row.on_schema}.{row.on_table}.{row.name}"
        elif table:
            name = f"{row.name} on {row.on_schema}.{row.on_table}"
        else:
            name = row.name if row.kind == "extension" else f"{row.schema}.{row.name}"
        depends = frozenset((key(nsp, rel), col or None) for nsp, rel, col in (row.depends or ()))
        found.append(Unmodelled(row.kind, name, _digest(row.definition), depends, table))
    return found


_QUALIFIED_REF = re.compile(r"`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`(?:\.`((?:[^`]|``)+)`)?")
_ROW_REF = re.compile(r"\b(?:NEW|OLD)\.`?(\w+)`?", re.I)


def _mysql(connection: sa.engine.Connection) -> list[Unmodelled]:
    found = []
    for row in connection.execute(sa.text(MYSQL)):
        definition, database = row.definition or "", row.db
        depends: set[tuple[str, str | None]] = set()
        if row.kind == "view":  # MariaDB writes `db`.`table`.`column` and `db`.`table` in full
            for db, table, column in _QUALIFIED_REF.findall(definition):
                if db == database:
                    depends.add((table, column or None))
            definition = definition.replace(f"`{database}`.", "")
        elif row.kind == "trigger":
            depends.add((row.on_table, None))
            depends.update((row.on_table, column) for column in _ROW_REF.findall(definition))
        name = f"{row.name} on {row.on_table}" if row.on_table else row.name
        found.append(Unmodelled(row.kind, name, _digest(definition), frozenset(depends), row.on_table))
    return found


_WORD = re.compile(r'"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\w+)')


def _sqlite(connection: sa.engine.Connection) -> list[Unmodelled]:
    """Views and triggers, depending on the tables their SQL names and on the columns of those it names
    (a column named in another table's sense counts too: the warning errs on the side of speaking)."""
    rows = list(connection.execute(sa.text(SQLITE)))
    tables = {row.name.lower(): row.name for row in rows if row.kind == "table"}
    columns: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.kind == "column":
            columns.setdefault(row.on_table, {})[row.name.lower()] = row.name
    found = []
    for row in rows:
        if row.kind in ("table", "column"):
            continue
        words = {next(g for g in match if g).lower() for match in _WORD.findall(row.definition or "")}
        named = [tables[w] for w in words if w in tables]
        depends = frozenset(
            [(t, None) for t in named] + [(t, c) for t in named for w, c in columns.get(t, {}).items() if w in words]
        )
        on_table = row.on_table if row.kind == "trigger" else None
        name = f"{row.name} on {row.on_table}" if on_table else row.name
        found.append(Unmodelled(row.kind, name, _digest(row.definition, collapse=True), depends, on_table,
                                survives_alters=True))
    return found

"""What the PostgreSQL object readers share: the schemas asked for, names, and what an object needs.

Names follow the package's rules: ``schema.name`` as the catalog holds them
(unquoted) in ids, a routine's followed by its argument types as
``oidvectortypes`` prints them (``public.total(integer, text[])``), a table by
its model key.  Statements quote names with PostgreSQL's own ``quote_ident``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from ....core.model import qualified
from ..catalog import Catalog
from ....core.types import string_literal

DEFAULT_SCHEMA = "public"
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})

#: the SQL name of a catalog object ``{alias}`` in namespace ``{ns}``: ``public."Order"``
QUOTED_NAME = "quote_ident({ns}.nspname) || '.' || quote_ident({alias}.{column})"

#: a routine's signature for statements: ``public.total(integer, text[])``
QUOTED_ROUTINE = "quote_ident({ns}.nspname) || '.' || quote_ident({p}.proname) || '(' || oidvectortypes({p}.proargtypes) || ')'"

#: a routine's name in ids: ``public.total(integer, text[])``
ROUTINE_NAME = "{ns}.nspname || '.' || {p}.proname || '(' || oidvectortypes({p}.proargtypes) || ')'"

#: the kind of object a routine is, by ``prokind``
ROUTINE_KIND = "CASE {p}.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END"


def owning_table(relation: str) -> str:
    """SQL: a LEFT JOIN LATERAL giving ``owner.nspname``/``owner.relname``, the table whose column owns sequence
    ``relation`` (an oid: serial and identity columns' sequences), NULLs for other relations."""
    return f"""LEFT JOIN LATERAL (
        SELECT own_n.nspname, own_c.relname FROM pg_catalog.pg_depend own
        JOIN pg_catalog.pg_class own_c ON own_c.oid = own.refobjid AND own_c.relkind IN ('r', 'p')
        JOIN pg_catalog.pg_namespace own_n ON own_n.oid = own_c.relnamespace
        WHERE own.classid = 'pg_catalog.pg_class'::regclass AND own.objid = {relation}
          AND own.refclassid = 'pg_catalog.pg_class'::regclass AND own.refobjsubid > 0 AND own.deptype IN ('a', 'i')
        LIMIT 1) owner ON true"""


def not_member(catalog: str, oid: str) -> str:
    """SQL: the object ``oid`` of ``catalog`` does not belong to an extension (it is the extension's, not the
    application's)."""
    return (f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext WHERE ext.classid = '{catalog}'::regclass"
            f" AND ext.objid = {oid} AND ext.deptype = 'e')")


def collate_clause(collation: str, type_collation: str) -> str:
    """SQL: `` COLLATE "C"`` when ``collation`` (an oid) is not ``type_collation``, the type's own; else ''."""
    return (f"COALESCE((SELECT ' COLLATE ' || CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname)"
            f" || '.' END || quote_ident(co.collname) FROM pg_catalog.pg_collation co"
            f" JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
            f" WHERE co.oid = {collation} AND {collation} <> 0 AND {collation} <> {type_collation}), '')")


def schema_params(schemas: tuple[str | None, ...]) -> dict[str, list[str]]:
    """The ``%(schemas)s`` parameter: the names asked for, ``public`` for None."""
    return {"schemas": sorted({s or DEFAULT_SCHEMA for s in schemas})}


def table_key(nspname: str, relname: str) -> str:
    """A table's model key: ``orders`` in ``public``, ``audit.orders`` elsewhere."""
    return qualified(relname, None if nspname == DEFAULT_SCHEMA else nspname)


def literal(text: str) -> str:
    """``text`` as a PostgreSQL string constant that reads the same under every setting."""
    return string_literal("postgresql", text)


@dataclass
class Needs:
    """What one object uses: other objects (their ids) and table columns (``(table key, column or None)``)."""

    requires: set[str] = field(default_factory=set)
    depends_on: set[tuple[str, str | None]] = field(default_factory=set)


# what each dependency of the objects asked for points at, resolved to an object id or a table column:
# an array type stands for its element type, a multirange for its range, an extension's member for the extension
_REFERENCES = f"""
SELECT d.classid::regclass::text AS catalog, d.objid,
       COALESCE(x.extname, (
           SELECT mx.extname FROM pg_catalog.pg_depend me JOIN pg_catalog.pg_extension mx ON mx.oid = me.refobjid
           WHERE me.deptype = 'e' AND me.refclassid = 'pg_catalog.pg_extension'::regclass
             AND ((me.classid = d.refclassid AND me.objid = d.refobjid)
                  OR (me.classid = 'pg_catalog.pg_type'::regclass AND me.objid = t.oid))
           LIMIT 1)) AS extension,
       pn.nspname AS routine_schema, {ROUTINE_KIND.format(p="p")} AS routine_kind,
       {ROUTINE_NAME.format(ns="pn", p="p")} AS routine,
       tn.nspname AS type_schema, t.typname, t.typtype, tc.relkind AS type_relkind,
       cn.nspname AS rel_schema, c.relname, c.relkind, a.attname,
       coln.nspname AS collation_schema, col.collname
FROM pg_catalog.pg_depend d
LEFT JOIN pg_catalog.pg_extension x ON d.refclassid = 'pg_catalog.pg_extension'::regclass AND x.oid = d.refobjid
LEFT JOIN pg_catalog.pg_proc p ON d.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_type t0 ON d.refclassid = 'pg_catalog.pg_type'::regclass AND t0.oid = d.refobjid
LEFT JOIN pg_catalog.pg_range mr ON mr.rngmultitypid = t0.oid
LEFT JOIN pg_catalog.pg_type t ON t.oid = CASE WHEN t0.typcategory = 'A' AND t0.typelem <> 0 THEN t0.typelem
                                               ELSE COALESCE(mr.rngtypid, t0.oid) END
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
LEFT JOIN pg_catalog.pg_class c ON d.refclassid = 'pg_catalog.pg_class'::regclass AND c.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
LEFT JOIN pg_catalog.pg_collation col ON d.refclassid = 'pg_catalog.pg_collation'::regclass AND col.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace coln ON coln.oid = col.collnamespace
WHERE d.classid = ANY(CAST(%(catalogs)s AS regclass[])) AND d.objid = ANY(%(oids)s) AND d.deptype IN ('n', 'a')
"""

_TYPE_KINDS = {"d": "domain", "r": "range type"}
_RELATION_KINDS = {"v": "view", "m": "materialized view"}


def needs(catalog: Catalog, objects: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Needs]:
    """What each of ``objects`` (``(catalog, oid)``: ``("pg_type", 16390)``) uses, read from ``pg_depend`` in one
    query; objects of PostgreSQL itself and enum types (part of the tables' model) count for nothing."""
    objects = list(objects)
    found: dict[tuple[str, int], Needs] = defaultdict(Needs)
    if not objects:
        return found
    params = {"catalogs": sorted({c for c, _ in objects}), "oids": sorted({o for _, o in objects})}
    wanted = set(objects)
    for row in catalog.rows(_REFERENCES, params):
        key = (row.catalog, row.objid)
        if key not in wanted:
            continue
        _add(found[key], row)
    return found


def _add(needs: Needs, row: Any) -> None:
    if row.extension:
        needs.requires.add(f"extension:{row.extension}")
    elif row.routine and row.routine_schema not in SYSTEM_SCHEMAS:
        needs.requires.add(f"{row.routine_kind}:{row.routine}")
    elif row.typname and row.type_schema not in SYSTEM_SCHEMAS:
        name = f"{row.type_schema}.{row.typname}"
        if row.typtype in _TYPE_KINDS:
            needs.requires.add(f"{_TYPE_KINDS[row.typtype]}:{name}")
        elif row.typtype == "c" and row.type_relkind == "c":
            needs.requires.add(f"composite type:{name}")
        elif row.typtype == "c" and row.type_relkind in _RELATION_KINDS:
            needs.requires.add(f"{_RELATION_KINDS[row.type_relkind]}:{name}")
        elif row.typtype == "c" and row.type_relkind in ("r", "p"):
            needs.depends_on.add((table_key(row.type_schema, row.typname), None))
    elif row.relname and row.rel_schema not in SYSTEM_SCHEMAS:
        if row.relkind in ("r", "p"):
            needs.depends_on.add((table_key(row.rel_schema, row.relname), row.attname))
        elif row.relkind in _RELATION_KINDS:
            needs.requires.add(f"{_RELATION_KINDS[row.relkind]}:{row.rel_schema}.{row.relname}")
    elif row.collname and row.collation_schema not in SYSTEM_SCHEMAS:
        needs.requires.add(f"collation:{row.collation_schema}.{row.collname}")

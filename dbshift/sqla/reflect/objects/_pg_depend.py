"""What a PostgreSQL object uses, read from ``pg_depend`` inside the query that lists the objects.

:func:`references_sql` is a column expression: the array of everything one
object uses, each as ``[kind, schema, name, column]``.  ``kind`` is ``table``
for a table (its ``column`` set when the dependency is on one column, its row
type counting as the whole table), else the kind of the object used, named as
the readers of this package name theirs (``view``, ``materialized view``,
``function``, ``procedure``, ``aggregate``, ``domain``, ``composite type``,
``range type``, ``enum``); an array type stands for its element type.
:func:`split_references` turns that array into a :class:`~dbshift.core.objects.DbObject`'s
``depends_on`` pairs and ``requires`` ids.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ....core.model import qualified

#: the SQL naming a routine as this package does: ``schema.name(type, type)``, its identity argument types
ROUTINE_NAME_SQL = "{nsp}.nspname || '.' || {proc}.proname || '(' || oidvectortypes({proc}.proargtypes) || ')'"

#: the SQL giving a routine's kind: ``function``, ``procedure`` or ``aggregate``
ROUTINE_KIND_SQL = "CASE {proc}.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END"

_REFERENCES = """ARRAY(
    SELECT DISTINCT ARRAY[ref.kind, ref.schema, ref.name, ref.col]
    FROM pg_catalog.pg_depend d
    CROSS JOIN LATERAL (
        SELECT CASE WHEN rc.relkind IN ('r', 'p') THEN 'table' WHEN rc.relkind = 'v' THEN 'view'
                    WHEN rc.relkind = 'm' THEN 'materialized view' WHEN rc.relkind = 'c' THEN 'composite type' END
                   AS kind,
               rn.nspname AS schema, rc.relname AS name, ra.attname::text AS col
        FROM pg_catalog.pg_class rc JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        LEFT JOIN pg_catalog.pg_attribute ra
               ON ra.attrelid = rc.oid AND ra.attnum = d.refobjsubid AND d.refobjsubid > 0
        WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND rc.oid = d.refobjid
        UNION ALL
        SELECT {routine_kind}, rn.nspname, {routine_name_tail}, NULL
        FROM pg_catalog.pg_proc rp JOIN pg_catalog.pg_namespace rn ON rn.oid = rp.pronamespace
        WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND rp.oid = d.refobjid
        UNION ALL
        SELECT CASE WHEN tc.relkind IN ('r', 'p') THEN 'table' WHEN tc.relkind = 'v' THEN 'view'
                    WHEN tc.relkind = 'm' THEN 'materialized view' WHEN et.typtype = 'c' THEN 'composite type'
                    WHEN et.typtype = 'd' THEN 'domain' WHEN et.typtype = 'r' THEN 'range type'
                    WHEN et.typtype = 'e' THEN 'enum' END,
               en.nspname, COALESCE(tc.relname, et.typname), NULL
        FROM pg_catalog.pg_type rt
        JOIN pg_catalog.pg_type et
          ON et.oid = CASE WHEN rt.typcategory = 'A' AND rt.typelem <> 0 THEN rt.typelem ELSE rt.oid END
        JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
        LEFT JOIN pg_catalog.pg_class tc ON tc.oid = et.typrelid
        WHERE d.refclassid = 'pg_catalog.pg_type'::regclass AND rt.oid = d.refobjid
    ) ref
    WHERE d.classid = '{catalog}'::regclass AND {objid} AND d.deptype IN ('n', 'a') AND ref.kind IS NOT NULL
    ORDER BY 1)"""


def references_sql(catalog: str, objid: str) -> str:
    """The array of what the objects ``objid`` (a condition on ``d.objid``) of ``catalog`` use."""
    return _REFERENCES.format(
        catalog=catalog, objid=objid, routine_kind=ROUTINE_KIND_SQL.format(proc="rp"),
        routine_name_tail="rp.proname || '(' || oidvectortypes(rp.proargtypes) || ')'",
    )


def table_key(schema: str, name: str) -> str:
    """A table's model key: bare in ``public``, qualified elsewhere."""
    return qualified(name, None if schema == "public" else schema)


def schema_list(schemas: Sequence[str | None]) -> list[str]:
    """The schema names to read (None: ``public``)."""
    return sorted({s or "public" for s in schemas})


def split_references(
    references: Iterable[Sequence[str]] | None, *, itself: str = "",
) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    """``(depends_on, requires)`` from :func:`references_sql`'s array (its column empty or NULL for none),
    ``itself`` (an id) left out.  An enum type is required as ``enum:`` and its model key (``enum:mood``,
    ``enum:audit.mood``): not an object (the schema model holds enums), but what tells that replacing the type
    breaks the object."""
    depends: set[tuple[str, str | None]] = set()
    requires: set[str] = set()
    for kind, schema, name, column in references or ():
        if kind == "table":
            depends.add((table_key(schema, name), column or None))
        elif kind == "enum":
            requires.add(f"enum:{table_key(schema, name)}")
        elif f"{kind}:{schema}.{name}" != itself:
            requires.add(f"{kind}:{schema}.{name}")
    return tuple(sorted(depends, key=lambda d: (d[0], d[1] or ""))), tuple(sorted(requires))

"""PostgreSQL functions, procedures and aggregates, read as :class:`~dbshift.core.objects.DbObject` values.

A function or procedure is created, and replaced in place, by the text
``pg_get_functiondef`` prints for it (``CREATE OR REPLACE FUNCTION …`` with its
arguments and their defaults, result, language, volatility, strictness,
security, parallel safety, cost, rows, ``SET`` options and body); its name
carries its identity argument types (``public.total(integer, text)``), so an
overload is another object.  ``CREATE OR REPLACE`` cannot change a routine's
kind, its result (the types and names of ``OUT`` and ``TABLE`` columns
included), the names of its arguments or remove a default: those make its
``shape``, and a routine whose shape changes is dropped and created.

An aggregate is created from ``pg_aggregate`` (``CREATE AGGREGATE`` with its
support functions, which it requires) and replaced with ``CREATE OR REPLACE
AGGREGATE`` while its kind, arguments and result stay.  What a routine uses
(types, and the tables, columns and routines of a SQL-standard body) comes
from ``pg_depend``.  Routines that belong to an extension are left out, and so
are those PostgreSQL makes for another object (a range type's constructors).
"""

from __future__ import annotations

from ....core.objects import DbObject
from ..catalog import Catalog
from ._pg_depend import ROUTINE_KIND_SQL, references_sql, schema_list, split_references

_AGGREGATE = """
SELECT concat_ws(E',\\n    ',
           'SFUNC = ' || a.aggtransfn::regproc::text,
           'STYPE = ' || format_type(a.aggtranstype, NULL),
           CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
           CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc::text END,
           CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
           CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC_MODIFY = '
                || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
           CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc::text END,
           CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc::text END,
           CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc::text END,
           CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END,
           CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc::text END,
           CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc::text END,
           CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END,
           CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
           CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc::text END,
           CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
           CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC_MODIFY = '
                || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
           CASE WHEN a.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(a.aggminitval) END,
           (SELECT 'SORTOP = OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')'
            FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace
            WHERE o.oid = a.aggsortop),
           CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END,
           CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END)
FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid"""

QUERY = f"""
SELECT {ROUTINE_KIND_SQL.format(proc="p")} AS kind, n.nspname AS schema, p.proname AS name,
       oidvectortypes(p.proargtypes) AS argtypes, quote_ident(n.nspname) || '.' || quote_ident(p.proname) AS qname,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
       CASE WHEN p.prokind = 'a' THEN pg_get_function_arguments(p.oid) END AS arguments,
       CASE WHEN p.prokind = 'a' THEN ({_AGGREGATE}) END AS aggregate,
       concat_ws(E'\\n', p.prokind, pg_get_function_result(p.oid), pg_get_function_identity_arguments(p.oid),
                 p.proargnames::text, p.pronargdefaults) AS shape,
       {references_sql("pg_catalog.pg_proc", "d.objid = p.oid")} AS refs
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
"""

_DROP = {"function": "DROP FUNCTION", "procedure": "DROP PROCEDURE", "aggregate": "DROP AGGREGATE"}

#: the first version with ``CREATE OR REPLACE AGGREGATE``
_REPLACE_AGGREGATE_SINCE = (12,)


#: true whenever :data:`QUERY` can return a row (see :func:`..read_objects`): a routine in the schemas
PRESENT = """EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = ANY(%(schemas)s))"""


def read(catalog: Catalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The functions, procedures and aggregates of ``schemas`` (None: ``public``)."""
    found = []
    replaceable_aggregates = catalog.version >= _REPLACE_AGGREGATE_SINCE
    for row in catalog.rows(QUERY, {"schemas": schema_list(schemas)}):
        name = f"{row.schema}.{row.name}({row.argtypes})"
        replace: tuple[str, ...]
        if row.kind == "aggregate":
            create = f"CREATE AGGREGATE {row.qname}({row.arguments}) (\n    {row.aggregate}\n)"
            replace = (create.replace("CREATE", "CREATE OR REPLACE", 1),) if replaceable_aggregates else ()
        else:
            create = row.definition.strip()
            replace = (create,)
        depends_on, requires = split_references(row.refs, itself=f"{row.kind}:{name}")
        found.append(DbObject(
            row.kind, name, (create,), (f"{_DROP[row.kind]} {row.qname}({row.argtypes})",), replace,
            definition=create, shape=row.shape, depends_on=depends_on, requires=requires,
        ))
    return found

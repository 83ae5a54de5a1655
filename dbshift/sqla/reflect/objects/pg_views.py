"""PostgreSQL views and materialized views (with their indexes), read as :class:`~dbshift.core.objects.DbObject` values.

A view is created from the query PostgreSQL prints for it (``pg_get_viewdef``,
where the view's column names are the query's aliases), its options
(``security_barrier``, ``security_invoker``…), its check option and the
defaults of its columns.  ``CREATE OR REPLACE VIEW`` keeps the columns a view
had: a view is replaced in place when its columns (names, types, collations,
which have a default) stay the same — its ``shape`` — and dropped and created
otherwise.  A materialized view is always dropped and created (``WITH NO DATA``
when it is not populated), and so are its indexes, which are objects of kind
``index`` requiring it (the table reflection reads the indexes of tables only).
Objects that belong to an extension are left out.
"""

from __future__ import annotations

from typing import Any

from ....core.objects import DbObject
from ..catalog import Catalog
from ._pg_depend import references_sql, schema_list, split_references

_NOT_EXTENSION = """NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend e
    WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = {oid} AND e.deptype = 'e')"""

# one row per view, materialized view, or index of a materialized view (kind 'index')
QUERY = f"""
SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END AS kind, n.nspname AS schema,
       c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname,
       pg_get_viewdef(c.oid) AS query, c.relispopulated AS populated, c.reloptions AS options,
       CASE WHEN am.amname <> current_setting('default_table_access_method') THEN quote_ident(am.amname) END AS access_method,
       quote_ident(ts.spcname) AS tablespace, NULL AS on_name,
       ARRAY(SELECT ARRAY[quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), COALESCE(co.collname::text, ''),
                          pg_get_expr(ad.adbin, ad.adrelid)]
             FROM pg_catalog.pg_attribute a
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
             LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
       {references_sql("pg_catalog.pg_rewrite",
                       "d.objid IN (SELECT r.oid FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid)")} AS refs
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(%(schemas)s) AND {_NOT_EXTENSION.format(oid="c.oid")}
UNION ALL
SELECT 'index', n.nspname, ic.relname, quote_ident(n.nspname) || '.' || quote_ident(ic.relname),
       pg_get_indexdef(i.indexrelid), NULL, NULL, NULL, NULL, c.relname, NULL, NULL
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'm' AND n.nspname = ANY(%(schemas)s) AND {_NOT_EXTENSION.format(oid="c.oid")}
"""


#: true whenever :data:`QUERY` can return a row (see :func:`..read_objects`): a view or materialized view in the schemas
PRESENT = """EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(%(schemas)s))"""


def read(catalog: Catalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The views, materialized views and indexes of materialized views of ``schemas`` (None: ``public``)."""
    found: list[DbObject] = []
    for row in catalog.rows(QUERY, {"schemas": schema_list(schemas)}):
        if row.kind == "index":
            found.append(_index(row))
        elif row.kind == "view":
            found.append(_view(row))
        else:
            found.append(_materialized_view(row))
    return found


def _query(row: Any) -> str:
    return row.query.strip().rstrip(";").rstrip()


def _options(row: Any) -> tuple[list[str], str]:
    """The storage options (``WITH (...)`` items) and the check option clause (maybe empty)."""
    options, check = [], ""
    for option in row.options or ():
        name, _, value = option.partition("=")
        if name == "check_option":
            check = f"\nWITH {value.upper()} CHECK OPTION"
        else:
            options.append(option)
    return options, check


def _view(row: Any) -> DbObject:
    options, check = _options(row)
    with_ = f" WITH ({', '.join(options)})" if options else ""
    body = f"VIEW {row.qname}{with_} AS\n{_query(row)}{check}"
    defaults = tuple(
        f"ALTER VIEW {row.qname} ALTER COLUMN {column} SET DEFAULT {default}"
        for column, _, _, default in row.columns if default is not None
    )
    shape = "\n".join(  # what CREATE OR REPLACE VIEW cannot change
        f"{column} {type_} {collation}{' DEFAULT' if default is not None else ''}".rstrip()
        for column, type_, collation, default in row.columns
    )
    create = (f"CREATE {body}", *defaults)
    depends_on, requires = split_references(row.refs, itself=f"view:{row.schema}.{row.name}")
    return DbObject(
        "view", f"{row.schema}.{row.name}", create, (f"DROP VIEW {row.qname}",), (f"CREATE OR REPLACE {body}", *defaults),
        definition="\n".join(create), shape=shape, depends_on=depends_on, requires=requires,
    )


def _materialized_view(row: Any) -> DbObject:
    options, _ = _options(row)
    using = f" USING {row.access_method}" if row.access_method else ""
    with_ = f" WITH ({', '.join(options)})" if options else ""
    tablespace = f" TABLESPACE {row.tablespace}" if row.tablespace else ""
    data = "WITH DATA" if row.populated else "WITH NO DATA"
    create = f"CREATE MATERIALIZED VIEW {row.qname}{using}{with_}{tablespace} AS\n{_query(row)}\n{data}"
    itself = f"materialized view:{row.schema}.{row.name}"
    depends_on, requires = split_references(row.refs, itself=itself)
    return DbObject(
        "materialized view", f"{row.schema}.{row.name}", (create,), (f"DROP MATERIALIZED VIEW {row.qname}",),
        definition=create, depends_on=depends_on, requires=requires,
    )


def _index(row: Any) -> DbObject:
    """An index of a materialized view: dropped and created with it."""
    return DbObject(
        "index", f"{row.schema}.{row.name}", (row.query,), (f"DROP INDEX {row.qname}",), definition=row.query,
        requires=(f"materialized view:{row.schema}.{row.on_name}",),
    )

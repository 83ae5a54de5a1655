"""PostgreSQL triggers, read as :class:`~dbshift.core.objects.DbObject` values.

A trigger is created by the statement ``pg_get_triggerdef`` prints (timing,
events, ``UPDATE OF`` columns, ``REFERENCING`` transition tables, row or
statement, ``WHEN``, constraint triggers' deferrability, the function and its
arguments), followed by ``ALTER TABLE … DISABLE TRIGGER`` or ``ENABLE REPLICA``/
``ENABLE ALWAYS`` when it is not simply enabled.  It is replaced in place with
``CREATE OR REPLACE TRIGGER`` (PostgreSQL 14 and later; never a constraint
trigger), which also sets its enabled state again.  It is named ``trg on
public.orders``, belongs to its table (``table``, the table's key) and
requires its function; a trigger on a view requires the view instead.
Internal triggers (foreign keys) and the copies a partition gets from its
parent are left out.

Event triggers (kind ``event trigger``, named by their bare name: they belong
to the database, and are listed with the default schema) are created with
their event, tags, function and enabled state, and dropped and created to
change.
"""

from __future__ import annotations

from typing import Any

from ....core.objects import DbObject
from ..catalog import Catalog
from ._pg_depend import references_sql, schema_list, split_references, table_key

# one row per trigger of a table or view, and per event trigger (kind 'event trigger', of the whole database)
QUERY = f"""
SELECT 'trigger' AS kind, t.tgname AS name, n.nspname AS schema, c.relname AS on_name, c.relkind,
       t.tgenabled AS enabled, t.tgconstraint <> 0 AS is_constraint, pg_get_triggerdef(t.oid) AS definition,
       quote_ident(t.tgname) AS qname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qtable,
       {references_sql("pg_catalog.pg_trigger", "d.objid = t.oid")} AS refs
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal {{not_cloned}} AND n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_trigger'::regclass AND e.objid = t.oid AND e.deptype = 'e')
UNION ALL
SELECT 'event trigger', et.evtname, NULL, NULL, NULL, et.evtenabled, false,
       'CREATE EVENT TRIGGER ' || quote_ident(et.evtname) || ' ON ' || quote_ident(et.evtevent)
       || COALESCE(E'\n    WHEN TAG IN (' || (SELECT string_agg(quote_literal(tag), ', ' ORDER BY tag)
                                              FROM unnest(et.evttags) AS tag) || ')', '')
       || E'\n    EXECUTE FUNCTION ' || et.evtfoid::regproc::text || '()',
       quote_ident(et.evtname), NULL,
       {references_sql("pg_catalog.pg_event_trigger", "d.objid = et.oid")}
FROM pg_catalog.pg_event_trigger et
WHERE 'public' = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_event_trigger'::regclass AND e.objid = et.oid AND e.deptype = 'e')
"""

#: ``pg_trigger.tgenabled`` → the ``ALTER TABLE`` clause that sets it
_ENABLED = {"O": "ENABLE TRIGGER", "D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}

#: the first version with ``CREATE OR REPLACE TRIGGER``
_REPLACE_SINCE = (14,)

#: the first version where a partition's copy of its parent's trigger is not internal, but says its parent
_PARENT_SINCE = (13,)


#: true whenever :data:`QUERY` can return a row (see :func:`..read_objects`): a trigger that is not internal, in
#: any schema (a foreign key's thousands of internal ones are skipped without a join), or an event trigger
PRESENT = """(EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE NOT t.tgisinternal)
              OR EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger))"""


def read(catalog: Catalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The triggers of the tables and views of ``schemas`` (None: ``public``)."""
    version = catalog.version
    query = QUERY.format(not_cloned="AND t.tgparentid = 0" if version >= _PARENT_SINCE else "")
    return [
        _trigger(row, version >= _REPLACE_SINCE) if row.kind == "trigger" else _event_trigger(row)
        for row in catalog.rows(query, {"schemas": schema_list(schemas)})
    ]


def _trigger(row: Any, replaceable: bool) -> DbObject:
    on_view = row.relkind == "v"  # a view's trigger is always enabled: ALTER TABLE does not apply to it
    state = () if on_view else (f"ALTER TABLE {row.qtable} {_ENABLED[row.enabled]} {row.qname}",)
    create = (row.definition, *(state if row.enabled != "O" else ()))
    replace: tuple[str, ...] = ()
    if replaceable and not row.is_constraint:
        replace = (row.definition.replace("CREATE TRIGGER", "CREATE OR REPLACE TRIGGER", 1), *state)
    depends_on, requires = split_references(row.refs)  # a view's trigger requires the view
    owner = f"{row.schema}.{row.on_name}"
    return DbObject(
        "trigger", f"{row.name} on {owner}", create, (f"DROP TRIGGER {row.qname} ON {row.qtable}",), replace,
        table=None if on_view else table_key(row.schema, row.on_name), definition="\n".join(create),
        depends_on=depends_on, requires=requires,
    )


def _event_trigger(row: Any) -> DbObject:
    """An event trigger: of the database, listed with the default schema; dropped and created to change."""
    state = f"ALTER EVENT TRIGGER {row.qname} {_ENABLED[row.enabled].removesuffix(' TRIGGER')}"
    create = (row.definition, *((state,) if row.enabled != "O" else ()))
    _, requires = split_references(row.refs)
    return DbObject(
        "event trigger", row.name, create, (f"DROP EVENT TRIGGER {row.qname}",), definition="\n".join(create),
        requires=requires,
    )

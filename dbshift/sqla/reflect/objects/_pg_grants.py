"""PostgreSQL grants: one :class:`~dbshift.core.objects.DbObject` per (object, role) whose privileges are not the
ones PostgreSQL gives by default.

Tables, views, materialized views, sequences, foreign tables, functions,
procedures, aggregates, schemas, domains and other types are read.  A
table's (or view's) column privileges belong to the table's grant to that
role: revoking a privilege on a table revokes it on its columns too, so the
two cannot change apart.  The owner's own privileges are left out (they are
implicit), and so is the grantor: statements run as the owner.

``create`` takes a role from PostgreSQL's default (nothing on a table,
EXECUTE on a function and USAGE on a type to PUBLIC) to the privileges
granted, ``drop`` takes it back, ``replace`` revokes everything and grants
again.  Grants name roles, which belong to the server: a role missing where
the statements run makes them fail with PostgreSQL's ``role "x" does not exist``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from ....core.objects import DbObject
from ..catalog import Catalog
from ._pg_catalog import QUOTED_NAME, QUOTED_ROUTINE, ROUTINE_KIND, ROUTINE_NAME, not_member, owning_table, table_key

_RELATION_KIND = """CASE {c}.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                      WHEN 'f' THEN 'foreign table' ELSE 'table' END"""

# every object with privileges of its own (acl not NULL), with PostgreSQL's default privileges for it
GRANTS = f"""
WITH granted AS (
    SELECT {_RELATION_KIND.format(c="c")} AS what, n.nspname AS schema, n.nspname || '.' || c.relname AS name,
           {QUOTED_NAME.format(ns="n", alias="c", column="relname")} AS quoted,
           COALESCE(owner.nspname, n.nspname) AS table_schema,
           CASE WHEN c.relkind IN ('r', 'p') THEN c.relname ELSE owner.relname END AS table_name,
           NULL::text AS quoted_column,
           c.relowner AS owner, c.relacl AS acl,
           acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner) AS initial
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    {owning_table("c.oid")}
    WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY(%(schemas)s)
      AND {not_member("pg_catalog.pg_class", "c.oid")}
    UNION ALL
    SELECT {_RELATION_KIND.format(c="c")}, n.nspname, n.nspname || '.' || c.relname,
           {QUOTED_NAME.format(ns="n", alias="c", column="relname")}, n.nspname,
           CASE WHEN c.relkind IN ('r', 'p') THEN c.relname END, quote_ident(a.attname),
           c.relowner, a.attacl, acldefault('c', c.relowner)
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_class", "c.oid")}
    UNION ALL
    SELECT {ROUTINE_KIND.format(p="p")}, n.nspname, {ROUTINE_NAME.format(ns="n", p="p")},
           {QUOTED_ROUTINE.format(ns="n", p="p")}, NULL, NULL, NULL, p.proowner, p.proacl, acldefault('f', p.proowner)
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.proacl IS NOT NULL AND n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_proc", "p.oid")}
    UNION ALL
    SELECT 'schema', n.nspname, n.nspname, quote_ident(n.nspname), NULL, NULL, NULL, n.nspowner, n.nspacl,
           acldefault('n', n.nspowner)
    FROM pg_catalog.pg_namespace n
    WHERE n.nspacl IS NOT NULL AND n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_namespace", "n.oid")}
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type' WHEN 'e' THEN 'enum type'
                          ELSE 'composite type' END,
           n.nspname, n.nspname || '.' || t.typname, {QUOTED_NAME.format(ns="n", alias="t", column="typname")},
           NULL, NULL, NULL, t.typowner, t.typacl, acldefault('T', t.typowner)
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
    WHERE t.typacl IS NOT NULL AND (t.typtype IN ('d', 'r', 'e') OR (t.typtype = 'c' AND tc.relkind = 'c'))
      AND n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_type", "t.oid")}
)
SELECT g.what, g.name, g.quoted, g.table_schema, g.table_name, g.quoted_column,
       CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(e.grantee)::text END AS role,
       CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(e.grantee)) END AS quoted_role,
       e.privilege_type AS privilege, e.is_grantable AS grantable, e.initial
FROM granted g
CROSS JOIN LATERAL (
    SELECT x.grantee, x.privilege_type, x.is_grantable, false AS initial FROM aclexplode(g.acl) x
    UNION ALL
    SELECT x.grantee, x.privilege_type, x.is_grantable, true FROM aclexplode(g.initial) x
) e
WHERE e.grantee <> g.owner
"""

#: the order privileges are written in
_ORDER = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN", "USAGE", "CREATE",
          "EXECUTE")

#: the word GRANT takes before an object's name
_KEYWORD = {"table": "TABLE", "view": "TABLE", "materialized view": "TABLE", "foreign table": "TABLE",
            "sequence": "SEQUENCE", "function": "FUNCTION", "aggregate": "FUNCTION", "procedure": "PROCEDURE",
            "schema": "SCHEMA", "domain": "DOMAIN", "range type": "TYPE", "enum type": "TYPE", "composite type": "TYPE"}

#: the kinds whose objects are :class:`DbObject` values a grant requires (the others are the tables' model)
_OBJECT_KINDS = frozenset({"view", "materialized view", "function", "aggregate", "procedure", "domain", "range type",
                           "composite type"})

Privilege = tuple[str, str | None, bool]
"""(privilege, quoted column or None for the object as a whole, with grant option)"""


@dataclass
class _Grantee:
    """One role's privileges on one object, and PostgreSQL's default for it."""

    what: str
    name: str
    quoted: str
    table: str | None
    role: str
    quoted_role: str
    held: set[Privilege] = field(default_factory=set)
    initial: set[Privilege] = field(default_factory=set)


def read(catalog: Catalog, params: dict) -> list[DbObject]:
    """The grants on the objects of the schemas in ``params`` that differ from PostgreSQL's defaults."""
    found: dict[tuple[str, str, str], _Grantee] = {}
    for row in catalog.rows(GRANTS, params):
        key = (row.what, row.name, row.role)
        grantee = found.get(key)
        if grantee is None:
            table = table_key(row.table_schema, row.table_name) if row.table_name else None
            grantee = found[key] = _Grantee(row.what, row.name, row.quoted, table, row.role, row.quoted_role)
        (grantee.initial if row.initial else grantee.held).add((row.privilege, row.quoted_column, row.grantable))
    return [_grant(g) for g in found.values() if _normal(g.held) != _normal(g.initial)]


def _normal(privileges: Iterable[Privilege]) -> frozenset[Privilege]:
    """A privilege held both with and without grant option (from two grantors) is held with it."""
    privileges = set(privileges)
    return frozenset(p for p in privileges if p[2] or (p[0], p[1], True) not in privileges)


def _grant(g: _Grantee) -> DbObject:
    held, initial = _normal(g.held), _normal(g.initial)
    on = f"{_KEYWORD[g.what]} {g.quoted}"
    gone = {(p, c) for p, c, _ in initial} - {(p, c) for p, c, _ in held}
    create = _statements("REVOKE", on, "FROM", g.quoted_role, {(p, c, False) for p, c in gone})
    create += _statements("GRANT", on, "TO", g.quoted_role, held - initial)
    revoke_all = f"REVOKE ALL ON {on} FROM {g.quoted_role}"
    return DbObject(
        "grant", f"on {g.what} {g.name} to {g.role}", tuple(create),
        (revoke_all, *_statements("GRANT", on, "TO", g.quoted_role, initial)),
        (revoke_all, *_statements("GRANT", on, "TO", g.quoted_role, held)),
        table=g.table,
        definition="\n".join(_statements("GRANT", on, "TO", g.quoted_role, held)) or f"nothing on {on}",
        requires=(f"{g.what}:{g.name}",) if g.what in _OBJECT_KINDS else (),
    )


def _statements(verb: str, on: str, preposition: str, role: str, privileges: Iterable[Privilege]) -> list[str]:
    """GRANT (or REVOKE) statements for ``privileges``: one for those without grant option, one for those with."""
    found = []
    for grantable in (False, True):
        chosen = [(p, c) for p, c, g in privileges if g == grantable]
        whole = sorted({p for p, c in chosen if c is None}, key=_rank)
        columns: dict[str, list[str]] = defaultdict(list)
        for p, c in chosen:
            if c is not None:
                columns[p].append(c)
        parts = whole + [f"{p} ({', '.join(sorted(columns[p]))})" for p in sorted(columns, key=_rank)]
        if parts:
            option = " WITH GRANT OPTION" if grantable else ""
            found.append(f"{verb} {', '.join(parts)} ON {on} {preposition} {role}{option}")
    return found


def _rank(privilege: str) -> tuple[int, str]:
    return (_ORDER.index(privilege) if privilege in _ORDER else len(_ORDER), privilege)

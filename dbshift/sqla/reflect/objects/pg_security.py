"""PostgreSQL row-level security, policies, grants and comments on objects, as :class:`~dbshift.core.objects.DbObject`.

Row-level security is one object per table that enables or forces it
(``row-level security public.accounts``); a policy is altered in place
(``ALTER POLICY``: its roles and expressions) unless its command or its
permissive/restrictive mode changes, or it gains or loses a USING or WITH
CHECK clause.  Grants (:mod:`._pg_grants`) and comments (:mod:`._pg_comments`)
have modules of their own.

Policies and grants name roles, which belong to the server, not to the
database: a role that does not exist where the statements run makes them
fail, with PostgreSQL's own message (``role "x" does not exist``).
"""

from __future__ import annotations

from typing import Any

from ....core.objects import DbObject
from ..catalog import Catalog
from . import _pg_comments, _pg_grants
from ._pg_catalog import QUOTED_NAME, needs, not_member, schema_params, table_key

ROW_SECURITY = f"""
SELECT n.nspname, c.relname, {QUOTED_NAME.format(ns="n", alias="c", column="relname")} AS quoted,
       c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity) AND n.nspname = ANY(%(schemas)s)
  AND {not_member("pg_catalog.pg_class", "c.oid")}
"""

#: a role list as statements write it (PUBLIC, or quoted role names), sorted by name
ROLES = """ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.oid)) END
             FROM unnest({roles}) AS r(oid)
             ORDER BY CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r.oid)::text END)"""

POLICIES = f"""
SELECT pol.oid, n.nspname, c.relname, pol.polname, quote_ident(pol.polname) AS quoted,
       {QUOTED_NAME.format(ns="n", alias="c", column="relname")} AS quoted_table,
       pol.polcmd, pol.polpermissive, {ROLES.format(roles="pol.polroles")} AS roles,
       pg_get_expr(pol.polqual, pol.polrelid) AS qual, pg_get_expr(pol.polwithcheck, pol.polrelid) AS with_check
FROM pg_catalog.pg_policy pol
JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND {not_member("pg_catalog.pg_class", "c.oid")}
"""

_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}


def read(catalog: Catalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """Row-level security, policies, grants and comments of ``schemas`` (None: the default schema)."""
    params = schema_params(schemas)
    found = [_row_security(row) for row in catalog.rows(ROW_SECURITY, params)]
    policies = list(catalog.rows(POLICIES, params))
    used = needs(catalog, [("pg_policy", row.oid) for row in policies])
    found += [_policy(row, used[("pg_policy", row.oid)]) for row in policies]
    found += _pg_grants.read(catalog, params)
    found += _pg_comments.read(catalog, params)
    return found


def _row_security(row: Any) -> DbObject:
    table = f"ALTER TABLE {row.quoted}"
    create = [f"{table} ENABLE ROW LEVEL SECURITY"] if row.enabled else []
    create += [f"{table} FORCE ROW LEVEL SECURITY"] if row.forced else []
    drop = [f"{table} DISABLE ROW LEVEL SECURITY"] if row.enabled else []
    drop += [f"{table} NO FORCE ROW LEVEL SECURITY"] if row.forced else []
    replace = (f"{table} {'ENABLE' if row.enabled else 'DISABLE'} ROW LEVEL SECURITY",
               f"{table} {'FORCE' if row.forced else 'NO FORCE'} ROW LEVEL SECURITY")
    return DbObject(
        "row-level security", f"{row.nspname}.{row.relname}", tuple(create), tuple(drop), replace,
        table=table_key(row.nspname, row.relname),
        definition=" ".join(w for w, on in (("enabled", row.enabled), ("forced", row.forced)) if on),
    )


def _policy(row: Any, used: Any) -> DbObject:
    mode = "PERMISSIVE" if row.polpermissive else "RESTRICTIVE"
    command = _COMMANDS.get(row.polcmd, row.polcmd)
    on = f"{row.quoted} ON {row.quoted_table}"
    clauses = f" TO {', '.join(row.roles)}"
    clauses += f" USING ({row.qual})" if row.qual is not None else ""
    clauses += f" WITH CHECK ({row.with_check})" if row.with_check is not None else ""
    key = table_key(row.nspname, row.relname)
    return DbObject(
        "policy", f"{row.polname} on {row.nspname}.{row.relname}",
        (f"CREATE POLICY {on} AS {mode} FOR {command}{clauses}",), (f"DROP POLICY {on}",),
        (f"ALTER POLICY {on}{clauses}",), table=key,
        shape=f"{mode} {command} using={row.qual is not None} check={row.with_check is not None}",
        depends_on=tuple(used.depends_on | {(key, None)}), requires=tuple(used.requires),
    )

"""PostgreSQL domains, composite and range types, extensions, read as :class:`~dbshift.core.objects.DbObject` values.

Columns may use a domain or a composite type, so neither is dropped to be
changed: a domain's default, NOT NULL and CHECK constraints are altered in
place (only its base type and collation cannot be), a composite type's
attributes are added, dropped and altered (it is made again only when the
attributes it keeps would have to change their order).  A range type has no
ALTER: it is dropped and created.  An extension is updated to its version
and moved to its schema in place; what belongs to an extension (its types,
functions…) is the extension's and never listed on its own.  Enum types are
part of the tables' model (:class:`~dbshift.core.model.Enum`).
"""

from __future__ import annotations

from typing import Any

from ....core.objects import DbObject
from ..catalog import Catalog
from . import _pg_type_changes as changes
from ._pg_catalog import QUOTED_NAME, collate_clause, literal, needs, not_member, schema_params

_IN_SCOPE = "n.nspname = ANY(%(schemas)s) AND " + not_member("pg_catalog.pg_type", "t.oid")

DOMAINS = f"""
SELECT t.oid, n.nspname, t.typname, {QUOTED_NAME.format(ns="n", alias="t", column="typname")} AS quoted,
       format_type(t.typbasetype, t.typtypmod) || {collate_clause("t.typcollation", "bt.typcollation")} AS base,
       t.typnotnull AS not_null, COALESCE(pg_get_expr(t.typdefaultbin, 0), t.typdefault) AS "default",
       ARRAY(SELECT ARRAY[k.conname, quote_ident(k.conname), pg_get_constraintdef(k.oid), k.convalidated::text]
             FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'
             ORDER BY k.conname) AS checks,
       ARRAY(SELECT k.oid FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid) AS constraint_oids
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
WHERE t.typtype = 'd' AND {_IN_SCOPE}
"""

COMPOSITES = f"""
SELECT t.oid, t.typrelid, n.nspname, t.typname, {QUOTED_NAME.format(ns="n", alias="t", column="typname")} AS quoted,
       ARRAY(SELECT ARRAY[a.attname, quote_ident(a.attname), {changes.ATTRIBUTE_TYPE}]
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attributes
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
WHERE t.typtype = 'c' AND {_IN_SCOPE}
"""

RANGES = f"""
SELECT t.oid, n.nspname, t.typname, {QUOTED_NAME.format(ns="n", alias="t", column="typname")} AS quoted,
       format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN NOT oc.opcdefault THEN {QUOTED_NAME.format(ns="ocn", alias="oc", column="opcname")} END AS opclass,
       NULLIF({collate_clause("r.rngcollation", "st.typcollation")}, '') AS collation,
       CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END AS canonical,
       CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END AS subtype_diff,
       mn.nspname = n.nspname AS multirange_here, mt.typname AS multirange,
       {QUOTED_NAME.format(ns="mn", alias="mt", column="typname")} AS multirange_quoted
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc
JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
LEFT JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid
LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
WHERE t.typtype = 'r' AND {_IN_SCOPE}
"""

EXTENSIONS = """
SELECT x.oid, x.extname, quote_ident(x.extname) AS quoted, n.nspname, quote_ident(n.nspname) AS quoted_schema,
       x.extversion, x.extrelocatable
FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
WHERE n.nspname = ANY(%(schemas)s)
"""


#: true whenever a query above can return a row (see :func:`..read_objects`): a domain, range type or composite
#: type (not a table's row type) in the schemas, or an extension installed in them
PRESENT = """(EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                      LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
                      WHERE (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) AND n.nspname = ANY(%(schemas)s))
              OR EXISTS (SELECT 1 FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
                         WHERE n.nspname = ANY(%(schemas)s)))"""


def read(catalog: Catalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The domains, composite types, range types and extensions of ``schemas`` (None: the default schema)."""
    params = schema_params(schemas)
    domains = list(catalog.rows(DOMAINS, params))
    composites = list(catalog.rows(COMPOSITES, params))
    ranges = list(catalog.rows(RANGES, params))
    extensions = list(catalog.rows(EXTENSIONS, params))
    used = needs(catalog, [("pg_type", r.oid) for r in domains + ranges + composites]
                 + [("pg_constraint", oid) for r in domains for oid in r.constraint_oids]  # a CHECK's functions
                 + [("pg_class", r.typrelid) for r in composites] + [("pg_extension", r.oid) for r in extensions])
    found: list[DbObject] = []
    for row in domains:
        requires = set(used[("pg_type", row.oid)].requires)
        for oid in row.constraint_oids:
            requires |= used[("pg_constraint", oid)].requires
        found.append(_domain(row, requires))
    for row in composites:
        requires = used[("pg_type", row.oid)].requires | used[("pg_class", row.typrelid)].requires
        found.append(_composite(row, requires))
    found += [_range(row, used[("pg_type", row.oid)].requires) for row in ranges]
    found += [_extension(row, used[("pg_extension", row.oid)].requires) for row in extensions]
    return found


def _domain(row: Any, requires: set[str]) -> DbObject:
    name = f"{row.nspname}.{row.typname}"
    checks = [changes.DomainCheck(name, quoted, text, valid == "true") for name, quoted, text, valid in row.checks]
    create = f"CREATE DOMAIN {row.quoted} AS {row.base}"
    if row.default is not None:
        create += f" DEFAULT {row.default}"
    if row.not_null:
        create += " NOT NULL"
    create += "".join(f" CONSTRAINT {c.quoted} {c.definition}" for c in checks if c.valid)
    later = [f"ALTER DOMAIN {row.quoted} ADD CONSTRAINT {c.quoted} {c.definition}" for c in checks if not c.valid]
    return DbObject(
        "domain", name, (create, *later), (f"DROP DOMAIN {row.quoted}",),
        changes.domain_replace(row.quoted, row.default, row.not_null, checks),
        shape=row.base, requires=tuple(requires - {f"domain:{name}"}),
    )


def _composite(row: Any, requires: set[str]) -> DbObject:
    attributes = [(name, quoted, type_) for name, quoted, type_ in row.attributes]
    create = changes.create_composite(row.quoted, [(quoted, type_) for _, quoted, type_ in attributes])
    name = f"{row.nspname}.{row.typname}"
    return DbObject(
        "composite type", name, (create,), (f"DROP TYPE {row.quoted}",),
        (changes.composite_replace(row.quoted, attributes),), requires=tuple(requires - {f"composite type:{name}"}),
    )


def _range(row: Any, requires: set[str]) -> DbObject:
    options = [f"SUBTYPE = {row.subtype}"]
    if row.opclass:
        options.append(f"SUBTYPE_OPCLASS = {row.opclass}")
    if row.collation:
        options.append(f"COLLATION = {row.collation.removeprefix(' COLLATE ')}")
    if row.canonical:
        options.append(f"CANONICAL = {row.canonical}")
    if row.subtype_diff:
        options.append(f"SUBTYPE_DIFF = {row.subtype_diff}")
    if row.multirange and not (row.multirange_here and row.multirange == _default_multirange(row.typname)):
        options.append(f"MULTIRANGE_TYPE_NAME = {row.multirange_quoted}")
    create = f"CREATE TYPE {row.quoted} AS RANGE ({', '.join(options)})"
    return DbObject(
        "range type", f"{row.nspname}.{row.typname}", (create,), (f"DROP TYPE {row.quoted}",),
        requires=tuple(r for r in requires if r != f"range type:{row.nspname}.{row.typname}"),
    )


def _default_multirange(range_name: str) -> str:
    """The multirange type PostgreSQL names for a range type (``floatrange`` → ``floatmultirange``)."""
    if "range" in range_name:
        return range_name.replace("range", "multirange", 1)
    return range_name + "_multirange"


def _extension(row: Any, requires: set[str]) -> DbObject:
    version = literal(row.extversion)
    create = f"CREATE EXTENSION IF NOT EXISTS {row.quoted} WITH SCHEMA {row.quoted_schema} VERSION {version}"
    replace = [_extension_remade(row, create), f"ALTER EXTENSION {row.quoted} UPDATE TO {version}"]
    if row.extrelocatable:
        replace.append(f"ALTER EXTENSION {row.quoted} SET SCHEMA {row.quoted_schema}")
    return DbObject(
        "extension", row.extname, (create,), (f"DROP EXTENSION {row.quoted}",), tuple(replace),
        definition=f"{row.extname} schema {row.nspname} version {row.extversion}",
        shape=None if row.extrelocatable else row.nspname, requires=tuple(requires),
    )


def _extension_remade(row: Any, create: str) -> str:
    """A DO block that drops and creates the extension when no update script leads from the installed version
    to this one (a downgrade, usually); PostgreSQL refuses the drop, saying why, while anything uses it, and
    an extension holding configuration tables (rows of the application's) is left for a hand-written step."""
    name, version = literal(row.extname), literal(row.extversion)
    return f"""DO $dbshift$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension x WHERE x.extname = {name} AND x.extversion <> {version}
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension_update_paths({name}) u
                               WHERE u.source = x.extversion AND u.target = {version} AND u.path IS NOT NULL))
    THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension x WHERE x.extname = {name} AND x.extconfig IS NOT NULL) THEN
            RAISE EXCEPTION 'extension % has no update path to version %, and it holds configuration tables',
                {name}, {version} USING HINT = 'change its version in a hand-written step';
        END IF;
        DROP EXTENSION {row.quoted};
        {create};
    END IF;
END
$dbshift$"""

"""The statements that bring any version of a PostgreSQL domain or composite type to a given one, in place.

A version is known only on the side it was read from, so these statements
read the database they run on: a ``DO`` block drops the CHECK constraints of
a domain that the new version lacks (whatever the database named them) and
adds those it lacks; another drops, alters and adds a composite type's
attributes.  Columns that use the type keep it throughout.
"""

from __future__ import annotations

from typing import Sequence

from ._pg_catalog import collate_clause, literal
from ....core.values import frozen

#: SQL: the type of attribute ``a`` as ``CREATE TYPE`` takes it, with its collation when not the type's own
ATTRIBUTE_TYPE = "format_type(a.atttypid, a.atttypmod) || " + collate_clause(
    "a.attcollation", "(SELECT at.typcollation FROM pg_catalog.pg_type at WHERE at.oid = a.atttypid)"
)


@frozen
class DomainCheck:
    """A CHECK constraint of a domain: its name, quoted name, ``CHECK (…)`` as the database prints it, and
    whether it was validated."""

    name: str
    quoted: str
    definition: str
    valid: bool = True

    @property
    def text(self) -> str:
        """What tells it from others: ``name CHECK (…)``."""
        return f"{self.name} {self.definition}"


def domain_replace(quoted: str, default: str | None, not_null: bool, checks: Sequence[DomainCheck]) -> tuple[str, ...]:
    """ALTER DOMAIN statements that give domain ``quoted`` this default, NOT NULL and set of CHECKs."""
    set_default = f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT"
    return (
        f"ALTER DOMAIN {quoted} {set_default}",
        f"ALTER DOMAIN {quoted} {'SET' if not_null else 'DROP'} NOT NULL",
        _domain_checks(quoted, checks),
    )


def _domain_checks(quoted: str, checks: Sequence[DomainCheck]) -> str:
    domain = f"{literal(quoted)}::regtype"
    kept = ", ".join(literal(c.text) for c in checks)
    adds = "".join(f"""
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.contypid = {domain} AND k.conname = {literal(c.name)})
    THEN
        ALTER DOMAIN {quoted} ADD CONSTRAINT {c.quoted} {c.definition};
    END IF;""" for c in checks)
    return f"""DO $dbshift$
DECLARE
    found record;
BEGIN
    -- the CHECK constraints this version lacks, by the names this database gave them
    FOR found IN
        SELECT k.conname FROM pg_catalog.pg_constraint k
        WHERE k.contypid = {domain} AND k.contype = 'c'
          AND k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid) <> ALL (ARRAY[{kept}]::text[])
    LOOP
        EXECUTE 'ALTER DOMAIN ' || {literal(quoted)} || ' DROP CONSTRAINT ' || quote_ident(found.conname);
    END LOOP;{adds}
END
$dbshift$"""


def create_composite(quoted: str, attributes: Sequence[tuple[str, str]]) -> str:
    """``CREATE TYPE … AS (…)`` from ``(quoted attribute name, type)`` pairs."""
    return f"CREATE TYPE {quoted} AS ({', '.join(f'{name} {type_}' for name, type_ in attributes)})"


def composite_replace(quoted: str, attributes: Sequence[tuple[str, str, str]]) -> str:
    """A ``DO`` block that gives composite type ``quoted`` these ``(name, quoted name, type)`` attributes, in
    this order: those it lacks are added, those it no longer has dropped, those of another type altered.
    When the attributes kept would have to change their order, the type is dropped and created (which
    PostgreSQL refuses, saying so, while anything uses it)."""
    names = ", ".join(literal(name) for name, _, _ in attributes)
    types = ", ".join(literal(type_) for _, _, type_ in attributes)
    q = literal(quoted)
    relation = f"(SELECT t.typrelid FROM pg_catalog.pg_type t WHERE t.oid = {q}::regtype)"
    return f"""DO $dbshift$
DECLARE
    wanted text[] := ARRAY[{names}]::text[];
    types text[] := ARRAY[{types}]::text[];
    present text[];
    kept text[];
    found_type text;
BEGIN
    present := ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = {relation} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum);
    kept := ARRAY(SELECT p.x FROM unnest(present) WITH ORDINALITY AS p(x, i) WHERE p.x = ANY(wanted) ORDER BY p.i);
    IF kept IS DISTINCT FROM wanted[1:cardinality(kept)] THEN
        -- the attributes kept would change their order: only a new type has it
        DROP TYPE {quoted};
        {create_composite(quoted, [(qname, type_) for _, qname, type_ in attributes])};
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(present) LOOP
        IF NOT present[i] = ANY(wanted) THEN
            EXECUTE 'ALTER TYPE ' || {q} || ' DROP ATTRIBUTE ' || quote_ident(present[i]);
        END IF;
    END LOOP;
    FOR i IN 1 .. cardinality(wanted) LOOP
        found_type := NULL;
        SELECT {ATTRIBUTE_TYPE} INTO found_type
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = {relation} AND a.attname = wanted[i] AND NOT a.attisdropped;
        IF found_type IS NULL THEN
            EXECUTE 'ALTER TYPE ' || {q} || ' ADD ATTRIBUTE ' || quote_ident(wanted[i]) || ' ' || types[i];
        ELSIF found_type <> types[i] THEN
            EXECUTE 'ALTER TYPE ' || {q} || ' ALTER ATTRIBUTE ' || quote_ident(wanted[i]) || ' TYPE ' || types[i];
        END IF;
    END LOOP;
END
$dbshift$"""

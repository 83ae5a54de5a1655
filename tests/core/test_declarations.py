"""What a CREATE statement makes, read without parsing the rest; declarations as users write them."""

from __future__ import annotations

import pytest

from dbshift.core.declarations import (
    NotADeclaration, Part, applies_to, statement_target, strip_comments, with_or_replace,
)
from dbshift.objects import Function, MaterializedView, Procedure, Trigger, View, from_alembic_utils, register


@pytest.mark.parametrize("sql, kind, name, table", [
    ("CREATE VIEW v AS SELECT 1", "view", ("v",), ()),
    ("create or replace recursive view s.v (n) as select 1", "view", ("s", "v"), ()),
    ("CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW `v` AS SELECT 1", "view", ("v",), ()),
    ("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1", "materialized view", ("mv",), ()),
    ('CREATE FUNCTION public."Total"(a int) RETURNS int AS $$ SELECT a $$ LANGUAGE sql', "function",
     ("public", "Total"), ()),
    ("CREATE DEFINER=CURRENT_USER PROCEDURE wipe() BEGIN DELETE FROM t; END", "procedure", ("wipe",), ()),
    ("-- note\n/* more */ CREATE TRIGGER trg BEFORE INSERT OR UPDATE OF a, b ON audit.orders FOR EACH ROW "
     "EXECUTE FUNCTION f()", "trigger", ("trg",), ("audit", "orders")),
    ("CREATE TEMP TRIGGER IF NOT EXISTS t AFTER DELETE ON [my table] BEGIN SELECT 1; END", "trigger", ("t",),
     ("my table",)),
    ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY t USING gin (x)", "index", ("ix",), ("t",)),
])
def test_statement_target_reads_kind_name_and_table(sql, kind, name, table):
    target = statement_target(sql)
    assert target is not None
    assert (target.kind, tuple(p.text for p in target.name), tuple(p.text for p in target.table)) == (
        kind, name, table
    )


@pytest.mark.parametrize("sql", [
    "ALTER TABLE t ADD COLUMN x int", "CREATE INDEX ON t (x)", "CREATE TABLE t (id int)", "UPDATE t SET a = 1",
    "COMMENT ON TABLE t IS 'x'", "CREATE EXTENSION pg_trgm",
])
def test_other_statements_are_not_read_as_objects(sql):
    assert statement_target(sql) is None


def test_quoted_parts_keep_their_case_and_arguments_are_kept_as_written():
    target = statement_target('CREATE FUNCTION "S"."F"(a  int,\n b text DEFAULT \'x, y\') RETURNS int AS \'\'')
    assert target.name == (Part("S", True), Part("F", True))
    assert target.arguments == "a int, b text DEFAULT 'x, y'"
    assert statement_target("CREATE CONSTRAINT TRIGGER c AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"
                            ).constraint


def test_or_replace_and_comments():
    assert with_or_replace("CREATE VIEW IF NOT EXISTS v AS SELECT 1;") == "CREATE OR REPLACE VIEW v AS SELECT 1"
    assert with_or_replace("CREATE OR REPLACE VIEW v AS SELECT 1") == "CREATE OR REPLACE VIEW v AS SELECT 1"
    assert with_or_replace("CREATE DEFINER=x VIEW v AS SELECT 1") == "CREATE OR REPLACE DEFINER=x VIEW v AS SELECT 1"
    assert strip_comments("  -- a\n SELECT 1 ;; ") == "SELECT 1"


def test_dialects_a_declaration_applies_to():
    assert applies_to(None, "sqlite") and applies_to("mysql", "mariadb") and applies_to(("sqlite", "mariadb"), "mariadb")
    assert not applies_to("mariadb", "mysql") and not applies_to("postgresql", "sqlite")


def test_declarations_read_their_names_and_refuse_what_they_are_not():
    assert Function("CREATE FUNCTION s.f() RETURNS int AS 'SELECT 1' LANGUAGE sql").schema == "s"
    assert Procedure("CREATE PROCEDURE p() BEGIN END").name == "p"
    trigger = Trigger("CREATE TRIGGER t AFTER INSERT ON audit.orders FOR EACH ROW EXECUTE FUNCTION f()")
    assert (trigger.name, trigger.table) == ("t", "audit.orders")
    with pytest.raises(NotADeclaration, match="creates a view, not a function"):
        Function("CREATE VIEW v AS SELECT 1")
    with pytest.raises(NotADeclaration, match="not a trigger"):
        Trigger("DROP TRIGGER t")
    with pytest.raises(NotADeclaration, match="empty"):
        View("v", " ; ")
    assert MaterializedView("mv", "SELECT 1").dialect == "postgresql"


class _Meta:
    def __init__(self) -> None:
        self.info: dict = {}


def test_register_keeps_each_once_and_takes_alembic_utils_entities():
    class PGView:
        schema, signature, definition = "public", "v", "SELECT 1"

    class PGTrigger:
        schema, signature, definition, is_constraint = "public", "trg", "AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", False

    class PGFunction:
        schema, signature, definition = "public", "f(a int)", "RETURNS int AS $$ SELECT a $$ LANGUAGE sql"

    metadata = _Meta()
    view = View("v", "SELECT 1")
    register(metadata, view, view, PGView(), PGTrigger(), PGFunction())
    kept = metadata.info["dbshift.objects"]
    assert kept[0] == view and len(kept) == 4
    assert kept[1] == View("v", "SELECT 1", schema="public", dialect="postgresql")
    assert (kept[2].name, kept[2].table) == ("trg", "t")
    assert (kept[3].schema, kept[3].name, kept[3].target.arguments) == ("public", "f", "a int")
    with pytest.raises(TypeError):
        from_alembic_utils(object())


def test_passengers_stay_unless_a_migration_made_them_or_the_models_manage_them():
    from dbshift.api.schemas import with_passengers
    from dbshift.core.model import Schema
    from dbshift.core.objects import DbObject

    view = DbObject("view", "public.v", ("CREATE VIEW v AS SELECT 1",), ("DROP VIEW v",))
    mv = DbObject("materialized view", "public.mv", ("CREATE MATERIALIZED VIEW mv AS SELECT 1",), ("DROP …",))
    index = DbObject("index", "public.ix", ("CREATE INDEX ix ON mv (x)",), ("DROP INDEX ix",),
                     requires=("materialized view:public.mv",))
    extension = DbObject("extension", "pg_trgm", ("CREATE EXTENSION pg_trgm",), ("DROP EXTENSION pg_trgm",))
    database = Schema(objects=(view, mv, index, extension))
    declared = Schema(objects=(view,))

    def kept(**kw) -> list[str]:
        return [x.id for x in with_passengers(declared, database, **kw).objects]

    assert kept() == ["extension:pg_trgm", "index:public.ix", "materialized view:public.mv", "view:public.v"]
    # a migration created the materialized view: it goes, and the index that needs it with it
    assert kept(created={"materialized view:public.mv"}) == ["extension:pg_trgm", "view:public.v"]
    # managed: every view, function, trigger… the models do not declare goes; an extension stays
    assert kept(manage=True) == ["extension:pg_trgm", "view:public.v"]
    # an extension a migration created by hand cannot be declared: it is never dropped for the models
    assert "extension:pg_trgm" in kept(created={"extension:pg_trgm"}, manage=True)

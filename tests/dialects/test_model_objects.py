"""Declared views, functions and triggers, and DDL attached to tables, as each database's statements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbshift.objects import Function, MaterializedView, Trigger, View, register
from dbshift.sqla.dialect import dialect_for
from dbshift.sqla.from_metadata import from_metadata
from dbshift.sqla.model_objects import NotOnThisDatabase, model_objects


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("mood", sa.Enum("happy", "sad", name="mood")),
             sa.Column("flag", sa.Boolean(create_constraint=True)))
    return metadata


def _by_id(metadata: sa.MetaData, dialect: str) -> dict:
    return {x.id: x for x in from_metadata(metadata, dialect).objects}


def test_a_view_on_each_database():
    metadata = _models()
    register(metadata, View("Active", "SELECT id FROM users;"), View("r", "SELECT 1", schema="reporting"))
    pg = _by_id(metadata, "postgresql")
    assert pg["view:public.Active"].create == ('CREATE VIEW "Active" AS SELECT id FROM users',)
    assert pg["view:public.Active"].replace == ('CREATE OR REPLACE VIEW "Active" AS SELECT id FROM users',)
    assert pg["view:public.Active"].drop == ('DROP VIEW "Active"',)
    assert from_metadata(metadata, "postgresql").schemas == ("reporting",)
    maria = _by_id(metadata, "mariadb")
    assert maria["view:Active"].create == ("CREATE VIEW `Active` AS SELECT id FROM users",)
    assert maria["view:Active"].replace == ("CREATE OR REPLACE VIEW `Active` AS SELECT id FROM users",)
    sqlite = _by_id(metadata, "sqlite")
    assert sqlite["view:Active"].replace == ()  # SQLite has no OR REPLACE: dropped and created


def test_functions_and_triggers_keep_the_declared_sql_and_the_dialects_they_are_for():
    metadata = _models()
    register(
        metadata,
        Function("CREATE FUNCTION Stamp(a int) RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;",
                 dialect="postgresql"),
        Trigger("CREATE TRIGGER stamp BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION stamp(1)",
                dialect="postgresql"),
        Trigger("CREATE TRIGGER stamp BEFORE UPDATE ON users FOR EACH ROW SET NEW.id = NEW.id", dialect="mysql"),
    )
    pg = _by_id(metadata, "postgresql")
    assert set(pg) == {"function:public.stamp(a int)", "trigger:stamp on public.users"}
    function = pg["function:public.stamp(a int)"]
    assert function.create[0].endswith("LANGUAGE plpgsql") and function.replace[0].startswith("CREATE OR REPLACE FUNC")
    assert pg["trigger:stamp on public.users"].table == "users"
    assert set(_by_id(metadata, "mariadb")) == {"trigger:stamp"}
    assert _by_id(metadata, "mysql")["trigger:stamp"].replace == ()  # MySQL has no CREATE OR REPLACE TRIGGER
    assert _by_id(metadata, "sqlite") == {}


def test_a_materialized_view_exists_on_postgresql_only():
    metadata = _models()
    register(metadata, MaterializedView("totals", "SELECT count(*) FROM users", with_data=False))
    assert _by_id(metadata, "postgresql")["materialized view:public.totals"].create == (
        "CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM users WITH NO DATA",
    )
    assert _by_id(metadata, "sqlite") == {}  # declared for PostgreSQL by default
    metadata = _models()
    register(metadata, MaterializedView("totals", "SELECT 1", dialect=None))
    with pytest.raises(NotOnThisDatabase, match="sqlite has no materialized views"):
        from_metadata(metadata, "sqlite")


def test_ddl_events_become_objects_or_are_named():
    metadata = _models()
    users = metadata.tables["users"]
    sa.event.listen(users, "after_create", sa.DDL(
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;"
        "CREATE TRIGGER t BEFORE INSERT ON %(fullname)s FOR EACH ROW EXECUTE FUNCTION f();"
        "CREATE INDEX ix_users_lower ON %(table)s (lower(mood::text));"
        "ALTER TABLE %(table)s ALTER COLUMN mood SET STATISTICS 100"
    ).execute_if(dialect="postgresql"))
    sa.event.listen(users, "before_drop", sa.DDL("DROP FUNCTION f"))
    sa.event.listen(users, "before_create", sa.DDL("DROP TYPE IF EXISTS state CASCADE"))
    sa.event.listen(metadata, "after_create", sa.DDL("CREATE VIEW everything AS SELECT 1"))
    found = model_objects(metadata, dialect_for("postgresql"))
    assert [x.id for x in found.objects] == [
        "view:public.everything", "function:public.f()", "trigger:t on public.users", "index:ix_users_lower on users",
    ]
    assert found.unverified == (
        "DDL run after table users is created: ALTER TABLE users ALTER COLUMN mood SET STATISTICS 100",
    )
    elsewhere = model_objects(metadata, dialect_for("sqlite"))
    assert [x.id for x in elsewhere.objects] == ["view:everything"] and elsewhere.unverified == ()


def test_sqlalchemys_own_listeners_are_not_reported_and_functions_are():
    metadata = _models()  # an Enum and a Boolean listen to the table's creation
    assert model_objects(metadata, postgresql.dialect()).unverified == ()

    def fill(target, connection, **kw):
        pass

    sa.event.listen(metadata.tables["users"], "after_create", fill)
    sa.event.listen(metadata.tables["users"], "after_create", sa.DDL("SELECT 1").execute_if(
        callable_=lambda ddl, target, bind, **kw: bind.dialect.server_version_info > (14,)))
    unverified = model_objects(metadata, postgresql.dialect()).unverified
    assert unverified == (
        f"{__name__}.test_sqlalchemys_own_listeners_are_not_reported_and_functions_are.<locals>.fill runs after "
        "table users is created",
        "DDL run after table users is created on some databases: SELECT 1",
    )

"""Views, functions and triggers declared beside the models: autogenerate creates, replaces and drops them,
``check`` compares them with the database as it prints them, and each downgrade restores the one before.

Judged through the database: what it holds (rows a view returns, values a trigger sets), what ``check``
finds, and what is left of the scratch places the declared objects are tried in.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.api.declared_objects import DeclaredObjectFails, DeclaredObjectUnseen, NoScratchDatabase
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.database.connect import create_engine
from dbshift.objects import Function, MaterializedView, Procedure, Trigger, View, register

Build = Callable[[sa.MetaData], None]


class Project:
    """One project folder and database; each step names the models it runs with."""

    def __init__(self, root: Path, url: str) -> None:
        self.root, self.url = root, url
        (root / "migrations").mkdir(parents=True)

    def config(self, build: Build, **kw) -> Config:
        metadata = sa.MetaData()
        build(metadata)
        return Config(root=self.root, migrations=self.root / "migrations", url=self.url, url_source="test",
                      metadata_object=metadata, **kw)

    def revision(self, build: Build, message: str, **kw) -> api.RevisionResult:
        return api.revision(self.config(build, **kw), message, autogenerate=True)

    def check(self, build: Build, **kw) -> api.CheckResult:
        return api.check(self.config(build, **kw))

    def upgrade(self, build: Build) -> None:
        api.upgrade(self.config(build))

    def downgrade(self, build: Build) -> None:
        api.downgrade(self.config(build), "-1")

    def sql(self, *statements: str) -> list[tuple]:
        engine = create_engine(self.url)
        rows: list[tuple] = []
        with engine.begin() as conn:
            for statement in statements:
                result = conn.exec_driver_sql(statement)
                rows = [tuple(r) for r in result] if result.returns_rows else rows
        engine.dispose()
        return rows


@pytest.fixture
def project(tmp_path: Path):
    def make(url: str) -> Project:
        return Project(tmp_path / "project", url)

    return make


def described(ops) -> list[str]:
    return [op.describe() for op in ops]


def users(metadata: sa.MetaData, email_type: sa.types.TypeEngine | None = None) -> sa.Table:
    return sa.Table(
        "users", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", email_type or sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("touched", sa.Integer, nullable=False, server_default="0"),
    )


# --- PostgreSQL ---------------------------------------------------------------------------------

PG_TOUCH = """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched := NEW.touched + {step};
    RETURN NEW;
END
$$"""
PG_TRIGGER = "CREATE TRIGGER touch_users BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()"


def pg_plain(metadata: sa.MetaData) -> None:
    users(metadata)


def pg_objects(step: int = 1, where: str = "active") -> Build:
    def build(metadata: sa.MetaData) -> None:
        users(metadata)
        register(
            metadata,
            View("active_users", f"SELECT id, email FROM users WHERE {where}"),
            Function(PG_TOUCH.format(step=step)),
            Trigger(PG_TRIGGER),
        )

    return build


def test_postgresql_view_function_and_trigger(project, pg_url):
    p = project(pg_url)
    created = p.revision(pg_objects(), "objects")
    assert sorted(described(created.ops)) == [
        "create function public.touch()", "create table users", "create trigger touch_users on public.users",
        "create view public.active_users",
    ]
    p.upgrade(pg_objects())
    assert p.check(pg_objects()).ok
    p.sql("INSERT INTO users (id, email, active) VALUES (1, 'a@x', true), (2, 'b@x', false)")
    assert p.sql("SELECT id FROM active_users") == [(1,)]
    p.sql("UPDATE users SET email = 'c@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(1,)]

    # the SQL changes: the view and the function are replaced in place
    changed = p.revision(pg_objects(step=10, where="NOT active"), "change")
    assert sorted(described(changed.ops)) == ["replace function public.touch()", "replace view public.active_users"]
    p.upgrade(pg_objects(step=10, where="NOT active"))
    assert p.check(pg_objects(step=10, where="NOT active")).ok
    assert p.sql("SELECT id FROM active_users") == [(2,)]
    p.sql("UPDATE users SET email = 'd@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(11,)]

    p.downgrade(pg_objects())
    assert p.check(pg_objects()).ops == ()
    assert p.sql("SELECT id FROM active_users") == [(1,)]
    p.upgrade(pg_objects(step=10, where="NOT active"))

    # removed from the models: dropped, since a migration created them
    removed = p.revision(pg_plain, "remove")
    assert sorted(described(removed.ops)) == [
        "drop function public.touch()", "drop trigger touch_users on public.users", "drop view public.active_users",
    ]
    p.upgrade(pg_plain)
    assert p.check(pg_plain).ok
    assert p.sql("SELECT count(*) FROM pg_views WHERE viewname = 'active_users'") == [(0,)]
    p.downgrade(pg_objects(step=10, where="NOT active"))
    assert p.check(pg_objects(step=10, where="NOT active")).ops == ()
    p.sql("UPDATE users SET email = 'e@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(21,)]


def test_postgresql_objects_the_models_do_not_declare_are_left_alone(project, pg_url):
    p = project(pg_url)
    p.revision(pg_plain, "users")
    p.upgrade(pg_plain)
    p.sql("CREATE VIEW hand_made AS SELECT id FROM users", "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'")
    assert p.check(pg_plain).ok
    assert p.revision(pg_objects(), "objects").path is not None
    p.upgrade(pg_objects())
    assert p.check(pg_objects()).ok
    assert p.sql("SELECT answer()") == [(42,)]
    # opting in: every object the models do not declare is a drop
    managed = p.check(pg_objects(), manage_objects=True)
    assert sorted(described(managed.ops)) == ["drop function public.answer()", "drop view public.hand_made"]


def pg_view_over_email(email_type: sa.types.TypeEngine) -> Build:
    def build(metadata: sa.MetaData) -> None:
        users(metadata, email_type)
        register(metadata, View("emails", "SELECT id, email FROM users"))

    return build


def test_postgresql_view_over_a_column_whose_type_changes_is_created_again_around_it(project, pg_url):
    p = project(pg_url)
    short, long = pg_view_over_email(sa.String(100)), pg_view_over_email(sa.Text())
    p.revision(short, "short")
    p.upgrade(short)
    p.sql("INSERT INTO users (id, email) VALUES (1, 'a@x')")
    changed = p.revision(long, "long")
    assert described(changed.ops) == [
        "drop view public.emails", "alter column users.email (type)", "create view public.emails",
    ]
    p.upgrade(long)
    assert p.check(long).ok
    assert p.sql("SELECT email FROM emails") == [("a@x",)]
    assert p.sql("SELECT data_type FROM information_schema.columns WHERE table_name = 'emails'"
                 " AND column_name = 'email'") == [("text",)]
    p.downgrade(short)
    assert p.check(short).ops == ()
    assert p.sql("SELECT email FROM emails") == [("a@x",)]


def pg_view_only(where: str) -> Build:
    def build(metadata: sa.MetaData) -> None:
        users(metadata)
        register(metadata, View("active_users", f"SELECT id, email FROM users WHERE {where}"))

    return build


def test_postgresql_declared_object_made_by_hand_is_compared_and_never_dropped_for_the_models(project, pg_url):
    p = project(pg_url)
    p.revision(pg_plain, "users")
    p.upgrade(pg_plain)
    p.sql("CREATE VIEW active_users AS SELECT id, email FROM users WHERE active")
    assert p.check(pg_view_only("active")).ok  # written otherwise, printed the same
    assert described(p.check(pg_view_only("NOT active")).ops) == ["replace view public.active_users"]
    # no migration created it: when the models stop declaring it, it stays
    assert p.check(pg_plain).ok
    assert p.revision(pg_plain, "nothing").path is None


def test_postgresql_a_declaration_the_database_refuses_is_one_line_and_leaves_nothing(project, pg_url):
    p = project(pg_url)

    def broken(metadata: sa.MetaData) -> None:
        users(metadata)
        register(metadata, View("broken", "SELECT nothing FROM users"))

    with pytest.raises(DeclaredObjectFails, match=r"view public\.broken.*nothing"):
        p.revision(broken, "broken")
    assert p.sql("SELECT count(*) FROM pg_class WHERE relname IN ('users', 'broken')") == [(0,)]
    assert not list((p.root / "migrations").glob("*.py"))

    def misnamed(metadata: sa.MetaData) -> None:
        users(metadata)
        register(metadata, Function(PG_TOUCH.format(step=1)), Trigger(PG_TRIGGER, name="other"))

    with pytest.raises(DeclaredObjectUnseen, match="trigger other on public.users"):
        p.check(misnamed)
    assert p.sql("SELECT count(*) FROM pg_proc WHERE proname = 'touch'") == [(0,)]


# --- DDL attached through SQLAlchemy events ----------------------------------------------------

PG_LOWER = """
CREATE FUNCTION articles_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.title_lower := lower(NEW.title); RETURN NEW; END $$;
CREATE TRIGGER articles_lower BEFORE INSERT OR UPDATE ON %(fullname)s FOR EACH ROW EXECUTE FUNCTION articles_lower();
"""


def articles(metadata: sa.MetaData, *, untold: bool = False) -> None:
    table = sa.Table(
        "articles", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_lower", sa.Text),
    )
    sa.event.listen(table, "after_create", sa.DDL(PG_LOWER).execute_if(dialect="postgresql"))
    sa.event.listen(table, "after_create", sa.DDL("CREATE INDEX ix_articles_title ON articles (lower(title))"))
    sa.event.listen(table, "after_create", sa.DDL("CREATE TRIGGER never AFTER INSERT ON articles BEGIN SELECT 1; END")
                    .execute_if(dialect="sqlite"))
    sa.event.listen(table, "before_drop", sa.DDL("DROP TRIGGER IF EXISTS articles_lower ON articles"))
    if untold:
        sa.event.listen(table, "after_create", sa.DDL("ALTER TABLE articles ALTER COLUMN title SET STATISTICS 500"))
        sa.event.listen(table, "after_create", lambda target, connection, **kw: None)


def test_ddl_events_create_what_they_declare_with_the_table(project, pg_url):
    p = project(pg_url)
    created = p.revision(articles, "articles")
    assert sorted(described(created.ops)) == [
        "create function public.articles_lower()", "create table articles",
        "create trigger articles_lower on public.articles",
    ]
    table = next(op.table for op in created.ops if isinstance(op, o.CreateTable))
    assert [i.name for i in table.indexes] == ["ix_articles_title"]
    p.upgrade(articles)
    result = p.check(articles)
    assert result.ok and result.unverified == ()
    p.sql("INSERT INTO articles (id, title) VALUES (1, 'Hello')")
    assert p.sql("SELECT title_lower FROM articles") == [("hello",)]
    assert p.sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_articles_title'") == [
        ("CREATE INDEX ix_articles_title ON public.articles USING btree (lower(title))",),
    ]
    p.sql("DROP TRIGGER articles_lower ON articles")
    assert described(p.check(articles).ops) == ["create trigger articles_lower on public.articles"]


def test_ddl_events_that_cannot_be_compared_are_reported_never_matched_silently(project, pg_url):
    from dbshift.console.words import check_lines

    p = project(pg_url)
    p.revision(articles, "articles")
    p.upgrade(articles)
    result = p.check(lambda m: articles(m, untold=True))
    assert result.ops == ()
    assert len(result.unverified) == 2
    assert "ALTER TABLE articles ALTER COLUMN title SET STATISTICS 500" in result.unverified[0]
    assert "<lambda> runs after table articles is created" in result.unverified[1]
    lines = check_lines(result)
    assert lines[0] != "The database matches the models." and "cannot compare" in lines[0]


# --- MariaDB and SQLite: views and triggers ------------------------------------------------------

MYSQL_TRIGGER = "CREATE TRIGGER touch_users BEFORE UPDATE ON users FOR EACH ROW SET NEW.touched = NEW.touched + {step}"
SQLITE_TRIGGER = """
CREATE TRIGGER touch_users AFTER UPDATE OF email ON users FOR EACH ROW
BEGIN
    UPDATE users SET touched = touched + {step} WHERE id = NEW.id;
END"""


def view_and_trigger(step: int = 1, where: str = "active") -> Build:
    def build(metadata: sa.MetaData) -> None:
        users(metadata)
        register(
            metadata,
            View("active_users", f"SELECT id, email FROM users WHERE {where}"),
            Trigger(MYSQL_TRIGGER.format(step=step), dialect="mysql"),
            Trigger(SQLITE_TRIGGER.format(step=step), dialect="sqlite"),
        )

    return build


def plain(metadata: sa.MetaData) -> None:
    users(metadata)


@pytest.fixture(params=["sqlite", "mariadb"])
def other_url(request, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server = request.getfixturevalue("mariadb_server")
    url = server.create()
    yield url
    server.drop(url)


def scratch_databases(url: str) -> list[str]:
    """The scratch databases no run is using (their lock is free): those a run left behind.  Tests run in
    parallel, so another test's run may hold one of its own meanwhile."""
    if not url.startswith("mysql"):
        return []
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [r[0] for r in conn.exec_driver_sql("SHOW DATABASES LIKE 'dbshift\\_scratch\\_%'",
                                                            execution_options={"no_parameters": True})]
        left = [name for name in found if conn.exec_driver_sql(f"SELECT IS_USED_LOCK('{name}')").scalar() is None]
    engine.dispose()
    return left


def test_views_and_triggers_on_mariadb_and_sqlite(project, other_url):
    p = project(other_url)
    before = scratch_databases(other_url)
    created = p.revision(view_and_trigger(), "objects")
    assert sorted(described(created.ops)) == ["create table users", "create trigger touch_users",
                                              "create view active_users"]
    p.upgrade(view_and_trigger())
    assert p.check(view_and_trigger()).ok
    p.sql("INSERT INTO users (id, email, active) VALUES (1, 'a@x', 1), (2, 'b@x', 0)")
    assert p.sql("SELECT id FROM active_users") == [(1,)]
    p.sql("UPDATE users SET email = 'c@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(1,)]

    changed = p.revision(view_and_trigger(step=10, where="NOT active"), "change")
    replaced = "replace view active_users" if other_url.startswith("mysql") else "create view active_users"
    assert replaced in described(changed.ops) and "create trigger touch_users" in described(changed.ops)
    p.upgrade(view_and_trigger(step=10, where="NOT active"))
    assert p.check(view_and_trigger(step=10, where="NOT active")).ok
    assert p.sql("SELECT id FROM active_users") == [(2,)]
    p.sql("UPDATE users SET email = 'd@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(11,)]
    p.downgrade(view_and_trigger())
    assert p.check(view_and_trigger()).ops == ()
    assert p.sql("SELECT id FROM active_users") == [(1,)]
    p.upgrade(view_and_trigger(step=10, where="NOT active"))

    removed = p.revision(plain, "remove")
    assert sorted(described(removed.ops)) == ["drop trigger touch_users", "drop view active_users"]
    p.upgrade(plain)
    assert p.check(plain).ok
    p.sql("UPDATE users SET email = 'e@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(11,)]
    p.downgrade(view_and_trigger(step=10, where="NOT active"))
    assert p.check(view_and_trigger(step=10, where="NOT active")).ops == ()
    p.sql("UPDATE users SET email = 'f@x' WHERE id = 1")
    assert p.sql("SELECT touched FROM users WHERE id = 1") == [(21,)]
    assert set(scratch_databases(other_url)) <= set(before)  # nothing left behind


def test_mariadb_and_sqlite_leave_undeclared_objects_alone(project, other_url):
    p = project(other_url)
    p.revision(plain, "users")
    p.upgrade(plain)
    p.sql("CREATE VIEW hand_made AS SELECT id FROM users")
    assert p.check(view_and_trigger()).ops and p.check(plain).ok
    p.revision(view_and_trigger(), "objects")
    p.upgrade(view_and_trigger())
    assert p.check(view_and_trigger()).ok
    assert described(p.check(view_and_trigger(), manage_objects=True).ops) == ["drop view hand_made"]


def test_mariadb_scratch_database_is_dropped_whatever_happens(project, mariadb_server):
    url = mariadb_server.create()
    try:
        p = project(url)
        before = scratch_databases(url)

        def broken(metadata: sa.MetaData) -> None:
            users(metadata)
            register(metadata, View("broken", "SELECT nothing FROM users"))

        with pytest.raises(DeclaredObjectFails, match="view broken"):
            p.check(broken)
        assert set(scratch_databases(url)) <= set(before)  # nothing left behind
        assert p.sql("SHOW FULL TABLES") == []  # nothing was made in the database itself
        # a run killed while its scratch database existed: the next run drops it (nobody holds its lock)
        p.sql("CREATE DATABASE dbshift_scratch_abandoned")
        assert p.check(view_and_trigger()).ops
        assert set(scratch_databases(url)) <= set(before)  # nothing left behind
        assert p.sql("SELECT DATABASE()")[0][0] == sa.engine.make_url(url).database
    finally:
        mariadb_server.drop(url)


def mariadb_routines(factor: int) -> Build:
    def build(metadata: sa.MetaData) -> None:
        users(metadata)
        register(
            metadata,
            Function(f"CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * {factor}"),
            Procedure("CREATE PROCEDURE wipe() BEGIN DELETE FROM users; END"),
            View("like_x", "SELECT id FROM users WHERE email LIKE '%x%'"),
        )

    return build


def test_mariadb_functions_and_procedures(project, mysql_url):
    p = project(mysql_url)
    created = p.revision(mariadb_routines(2), "routines")
    assert sorted(described(created.ops)) == [
        "create function twice", "create procedure wipe", "create table users", "create view like_x",
    ]
    p.upgrade(mariadb_routines(2))
    assert p.check(mariadb_routines(2)).ok
    assert p.sql("SELECT twice(4)") == [(8,)]
    assert described(p.revision(mariadb_routines(3), "thrice").ops) == ["replace function twice"]
    p.upgrade(mariadb_routines(3))
    assert p.check(mariadb_routines(3)).ok and p.sql("SELECT twice(4)") == [(12,)]
    p.downgrade(mariadb_routines(2))
    assert p.check(mariadb_routines(2)).ops == () and p.sql("SELECT twice(4)") == [(8,)]


def pg_chain(columns: str) -> Build:
    def build(metadata: sa.MetaData) -> None:
        users(metadata)
        register(
            metadata,
            View("recent", "SELECT count(*) AS n FROM active"),  # declared before the view it reads
            View("active", f"SELECT {columns} FROM users WHERE active"),
            MaterializedView("totals", "SELECT active, count(*) AS n FROM users GROUP BY active"),
        )

    return build


def test_postgresql_views_over_views_and_a_materialized_view(project, pg_url):
    p = project(pg_url)
    first = p.revision(pg_chain("id"), "chain")
    assert described(first.ops)[1:] == [
        "create view public.active", "create materialized view public.totals", "create view public.recent",
    ]
    p.upgrade(pg_chain("id"))
    assert p.check(pg_chain("id")).ok
    p.sql("INSERT INTO users (id, email) VALUES (1, 'a@x')", "REFRESH MATERIALIZED VIEW totals")
    assert p.sql("SELECT n FROM recent") == [(1,)] and p.sql("SELECT n FROM totals") == [(1,)]
    # the view changes its columns: it cannot be replaced in place, so the view reading it goes and comes back
    changed = p.revision(pg_chain("email"), "email")
    assert described(changed.ops) == [
        "drop view public.recent", "drop view public.active", "create view public.active", "create view public.recent",
    ]
    p.upgrade(pg_chain("email"))
    assert p.check(pg_chain("email")).ok
    p.downgrade(pg_chain("id"))
    assert p.check(pg_chain("id")).ops == ()
    assert p.sql("SELECT n FROM recent") == [(1,)]


def pg_totals(metadata: sa.MetaData) -> None:
    users(metadata)
    register(metadata, MaterializedView("totals", "SELECT active, count(*) AS n FROM users GROUP BY active"))
    sa.event.listen(metadata, "after_create", sa.DDL("CREATE UNIQUE INDEX totals_active ON totals (active)"))


def test_postgresql_an_index_ddl_events_create_on_a_materialized_view(project, pg_url):
    p = project(pg_url)
    created = p.revision(pg_totals, "totals")
    assert described(created.ops)[1:] == ["create materialized view public.totals", "create index public.totals_active"]
    p.upgrade(pg_totals)
    assert p.check(pg_totals).ok
    p.sql("INSERT INTO users (id, email) VALUES (1, 'a@x')", "REFRESH MATERIALIZED VIEW CONCURRENTLY totals")
    assert p.sql("SELECT n FROM totals") == [(1,)]


def test_mariadb_a_user_who_cannot_make_the_scratch_database_is_told_what_to_grant(project, mysql_url, mariadb_server):
    user = f"dbshift_u_{uuid.uuid4().hex[:8]}"
    database = sa.engine.make_url(mysql_url).database
    before = scratch_databases(mysql_url)
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'pw-42'")
        conn.exec_driver_sql(f"GRANT ALL ON `{database}`.* TO '{user}'@'%%'")
    try:
        url = sa.engine.make_url(mysql_url).set(username=user, password="pw-42")
        p = project(url.render_as_string(hide_password=False))
        with pytest.raises(NoScratchDatabase, match=r"grant CREATE and DROP on `dbshift_scratch_%`") as raised:
            p.check(view_and_trigger())
        assert "pw-42" not in str(raised.value)
        assert set(scratch_databases(mysql_url)) <= set(before)  # nothing left behind
    finally:
        with mariadb_server.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")


def test_mariadb_and_sqlite_a_view_over_a_column_whose_type_changes_keeps_working(project, other_url):
    p = project(other_url)
    short, long = pg_view_over_email(sa.String(100)), pg_view_over_email(sa.Text())
    p.revision(short, "short")
    p.upgrade(short)
    p.sql("INSERT INTO users (id, email) VALUES (1, 'a@x')")
    changed = p.revision(long, "long")
    assert described(changed.ops) == ["alter column users.email (type)"]  # the view, kept as text, survives it
    p.upgrade(long)
    assert p.check(long).ok
    assert p.sql("SELECT email FROM emails") == [("a@x",)]
    p.downgrade(short)
    assert p.check(short).ops == ()
    assert p.sql("SELECT email FROM emails") == [("a@x",)]

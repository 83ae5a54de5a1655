"""Views, functions and triggers declared beside the models: autogenerate creates, replaces and drops them,
``check`` compares them with the database as it prints them, and each downgrade restores the one before.

Judged through the database: what it holds (rows a view returns, values a trigger sets), what ``check``
finds, and what is left of the scratch places the declared objects are tried in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.database.connect import create_engine
from dbshift.objects import Function, Trigger, View, register

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

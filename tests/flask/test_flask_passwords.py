"""A privileged migration URL without a password: dbshift connects first and asks only when the server wants
one; on a terminal it asks once per process, else reads ``$DBSHIFT_PASSWORD`` (the ``dbshift`` command's
variable; ``$DBSHIFT_MIGRATION_PASSWORD`` is its older name).  A privilege the app's own user lacks, with no
migration URL configured, says how to configure one.

The local PostgreSQL server trusts 127.0.0.1 (any password, or none, connects): it shows that no password
is asked for when the server does not want one.  MariaDB checks passwords, so a user with one is created
per test for everything about asking.
"""

from __future__ import annotations

import getpass
import io
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from dbshift.flask import MigrationPasswordMissing
from flaskapps import USER_PASSWORD, FlaskDb, dbshift_commands_in, history_rows, revisions, tables

SECRET = USER_PASSWORD  # the conftest MariaDB user's


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_password_in_environment(monkeypatch):
    for name in ("DBSHIFT_PASSWORD", "DBSHIFT_MIGRATION_PASSWORD", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def prompts(monkeypatch) -> list[str]:
    """Someone at a terminal: every password prompt shown is recorded, and answered with the user's password."""
    shown: list[str] = []
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": shown.append(prompt) or SECRET)
    return shown


def _as_user(url: str, user: str, password: str | None = None) -> str:
    return sa.engine.make_url(url).set(username=user, password=password).render_as_string(hide_password=False)


def _written(migrations: Path) -> str:
    return "".join(p.read_text() for p in migrations.rglob("*.py"))


# --- the server does not want a password: nobody is asked --------------------------------------


def test_no_prompt_when_the_server_does_not_ask(pg_url: str, tmp_path: Path, make_app, prompts: list[str]):
    migrations = tmp_path / "migrations"
    app = make_app(pg_url, migrations, config={"DBSHIFT_MIGRATION_URL": _as_user(pg_url, "postgres")})
    db = FlaskDb(app)
    db("init")
    db("migrate", "-m", "initial")
    db("upgrade")
    assert history_rows(pg_url) == revisions(migrations)
    migrate = app.extensions["dbshift"].migrate
    assert migrate.status(app=app).up_to_date
    assert prompts == [], "trust authentication: nothing asked, in a terminal or in-process"
    assert "from DBSHIFT_MIGRATION_URL" in db("current", "-v").output


# --- the server wants one ----------------------------------------------------------------------


def test_asked_once_per_process_in_process(mysql_url: str, mariadb_user: str, tmp_path: Path, make_app,
                                           prompts: list[str]):
    migrations = tmp_path / "migrations"
    FlaskDb(make_app(mysql_url, migrations))("init")
    FlaskDb(make_app(mysql_url, migrations))("migrate", "-m", "initial")
    app = make_app(mysql_url, migrations, config={"DBSHIFT_MIGRATION_URL": _as_user(mysql_url, mariadb_user)})
    migrate = app.extensions["dbshift"].migrate

    migrate.upgrade(app=app)
    assert migrate.status(app=app).up_to_date
    migrate.require_current(app=app)
    migrate.upgrade_all(app=app)
    with app.app_context():
        from dbshift.flask import current, upgrade

        upgrade()
        current()
    assert history_rows(mysql_url) == revisions(migrations)
    assert len(prompts) == 1, "asked once per process"
    assert f"Password for mysql+pymysql://{mariadb_user}@127.0.0.1" in prompts[0] and SECRET not in prompts[0]


def test_a_wrong_password_is_one_line_without_it(mysql_url: str, mariadb_user: str, tmp_path: Path, make_app,
                                                 monkeypatch):
    migrations = tmp_path / "migrations"
    FlaskDb(make_app(mysql_url, migrations))("init")
    app = make_app(mysql_url, migrations, config={"DBSHIFT_MIGRATION_URL": _as_user(mysql_url, mariadb_user)})
    result = FlaskDb(app)("current", expect=1, env={"DBSHIFT_PASSWORD": "not-" + SECRET})
    assert "cannot connect to mysql+pymysql://" in result.stderr and "Access denied" in result.stderr
    assert SECRET not in result.output


def test_no_terminal_and_no_variable_is_one_clear_line(mysql_url: str, mariadb_user: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    app = make_app(mysql_url, migrations, config={"DBSHIFT_MIGRATION_URL": _as_user(mysql_url, mariadb_user)})
    db = FlaskDb(app)
    db("init")
    result = db("migrate", "-m", "initial", expect=1)
    assert f"the server at mysql+pymysql://{mariadb_user}@127.0.0.1" in result.stderr
    assert "wants a password: set DBSHIFT_PASSWORD, or run the command in a terminal" in result.stderr
    assert dbshift_commands_in(result.stderr) == []
    assert revisions(migrations) == []
    db("revision", "-m", "by hand")  # needs no database: no password wanted
    assert "by hand" in db("heads").output
    assert MigrationPasswordMissing.__name__ == "PasswordRequired", "the same error as the dbshift command's"


@pytest.mark.parametrize("variable", ["DBSHIFT_PASSWORD", "DBSHIFT_MIGRATION_PASSWORD"])
def test_flask_and_the_cli_read_the_same_variable(variable: str, mysql_url: str, mariadb_user: str, tmp_path: Path,
                                                  make_app, monkeypatch):
    migrations = tmp_path / "migrations"
    bare = _as_user(mysql_url, mariadb_user)
    app = make_app(mysql_url, migrations, config={"DBSHIFT_MIGRATION_URL": bare})
    db = FlaskDb(app)
    env = {variable: SECRET}
    db("init")
    outputs = [db("migrate", "-m", "initial", env=env).output, db("upgrade", env=env).output,
               db("current", "-v", env=env).output, db("history", env=env).output]
    assert history_rows(mysql_url) == revisions(migrations)
    for text in outputs + [_written(migrations)]:
        assert SECRET not in text

    from dbshift.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["diff", bare, bare], out, err, io.StringIO()) == 1, "no variable: the CLI cannot connect either"
    assert "wants a password: set DBSHIFT_PASSWORD" in err.getvalue()
    monkeypatch.setenv(variable, SECRET)
    out, err = io.StringIO(), io.StringIO()
    assert main(["diff", bare, bare], out, err, io.StringIO()) == 0, err.getvalue()
    assert SECRET not in out.getvalue() + err.getvalue()


def test_unreachable_privileged_url_hides_the_password(pg_url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    url = f"postgresql://admin:{SECRET}@127.0.0.1:1/shop"
    db = FlaskDb(make_app(pg_url, migrations, migration_url=url))
    db("init")
    result = db("current", expect=1)
    assert "cannot connect" in result.stderr and SECRET not in result.output
    db("revision", "-m", "by hand")
    result = db("history")  # like Flask-Migrate's, history needs only the files
    assert "by hand" in result.stdout and "applied revisions are not marked: cannot connect" in result.stderr
    assert SECRET not in result.output


def test_privileged_urls_per_bind(tmp_path: Path, make_app):
    """DBSHIFT_MIGRATION_URL and DBSHIFT_MIGRATION_BINDS: migrations go there, not to the app's own URLs."""
    app_db, app_audit = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'app_audit.db'}"
    owner_db, owner_audit = f"sqlite:///{tmp_path / 'owner.db'}", f"sqlite:///{tmp_path / 'owner_audit.db'}"
    migrations = tmp_path / "migrations"
    config = {"DBSHIFT_MIGRATION_URL": owner_db, "DBSHIFT_MIGRATION_BINDS": {"audit": owner_audit}}
    db = FlaskDb(make_app(app_db, migrations, bind_url=app_audit, config=config))
    db("init")
    db("migrate", "-m", "initial")
    db("upgrade")
    assert history_rows(owner_db) == revisions(migrations)
    assert history_rows(owner_audit) == revisions(migrations / "audit")
    assert not (tmp_path / "app.db").exists() and not (tmp_path / "app_audit.db").exists()
    assert "from DBSHIFT_MIGRATION_BINDS['audit']" in db("current", "-v", "--bind", "audit").output


# --- the app's own user may not change the schema ------------------------------------------------


@pytest.fixture
def app_role(pg_url: str, postgres_server) -> Iterator[str]:
    """A login role that may read and write rows but not create tables (PostgreSQL 15: no CREATE on public)."""
    role = f"dbshift_app_{uuid.uuid4().hex[:8]}"
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'REVOKE CREATE ON SCHEMA public FROM PUBLIC, "{role}"')
    engine.dispose()
    yield role
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
    engine.dispose()
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')


def test_missing_privileges_say_how_to_configure_a_migration_url(pg_url: str, app_role: str, tmp_path: Path,
                                                                 make_app):
    migrations = tmp_path / "migrations"
    owner = FlaskDb(make_app(pg_url, migrations))
    owner("init")
    owner("migrate", "-m", "initial")  # written against the empty database by its owner

    as_app = _as_user(pg_url, app_role)
    app = make_app(as_app, migrations)
    result = FlaskDb(app)("upgrade", expect=1)
    line = result.stderr
    assert f"user '{app_role}'" in line or app_role in line
    assert "the default bind is migrated with the app's own URL (SQLALCHEMY_DATABASE_URI)" in line
    assert "set DBSHIFT_MIGRATION_URL in app.config" in line and "$DBSHIFT_PASSWORD" in line
    assert "product" not in tables(pg_url)

    migrate = app.extensions["dbshift"].migrate
    from dbshift.flask import NoMigrationUrl

    with pytest.raises(NoMigrationUrl, match="set DBSHIFT_MIGRATION_URL in app.config"):
        migrate.upgrade(app=app)

    # configured: the migration runs as the owner, and a refusal then no longer suggests configuring one
    configured = make_app(as_app, migrations, config={"DBSHIFT_MIGRATION_URL": _as_user(pg_url, "postgres")})
    FlaskDb(configured)("upgrade")
    assert "product" in tables(pg_url) and history_rows(pg_url) == revisions(migrations)
    denied = make_app(pg_url, migrations, config={"DBSHIFT_MIGRATION_URL": as_app})
    line = FlaskDb(denied)("downgrade", "base", "--yes", expect=1).stderr
    assert app_role in line and "set DBSHIFT_MIGRATION_URL" not in line, "one is configured: grant, or use another"
    assert "product" in tables(pg_url)

"""A privileged migration URL without a password: asked for on a terminal, else read from the environment.

The local test server trusts 127.0.0.1, so any password connects; what is checked
is where the password comes from and that it never shows.
"""

from __future__ import annotations

import getpass
import io
import sys
from pathlib import Path

import sqlalchemy as sa

from dbshift.flask import MigrationPasswordMissing
from flaskapps import FlaskDb, history_rows, revisions

SECRET = "S3cret-Pw-42"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _privileged(url: str) -> str:
    """The same database, as a user named in the URL with no password."""
    return sa.engine.make_url(url).set(username="postgres", password=None).render_as_string(hide_password=False)


def test_no_terminal_and_no_variable_is_one_clear_line(pg_url: str, tmp_path: Path, make_app, monkeypatch):
    monkeypatch.delenv("DBSHIFT_MIGRATION_PASSWORD", raising=False)
    monkeypatch.delenv("DBSHIFT_PASSWORD", raising=False)
    migrations = tmp_path / "migrations"
    app = make_app(pg_url, migrations, config={"DBSHIFT_MIGRATION_URL": _privileged(pg_url)})
    db = FlaskDb(app)
    db("init")
    result = db("migrate", "-m", "initial", expect=1)
    assert "names a user but no password" in result.stderr
    assert "DBSHIFT_MIGRATION_PASSWORD" in result.stderr
    assert revisions(migrations) == []
    db("revision", "-m", "by hand")  # needs no database: no password asked
    assert "by hand" in db("heads").output


def test_password_from_the_environment(pg_url: str, tmp_path: Path, make_app, monkeypatch):
    monkeypatch.delenv("DBSHIFT_MIGRATION_PASSWORD", raising=False)
    monkeypatch.delenv("DBSHIFT_PASSWORD", raising=False)
    migrations = tmp_path / "migrations"
    app = make_app(pg_url, migrations, config={"DBSHIFT_MIGRATION_URL": _privileged(pg_url)})
    db = FlaskDb(app)
    env = {"DBSHIFT_MIGRATION_PASSWORD": SECRET}
    db("init")
    outputs = [
        db("migrate", "-m", "initial", env=env).output,
        db("upgrade", env=env).output,
        db("current", "-v", env=env).output,
        db("history", env=env).output,
    ]
    assert history_rows(pg_url) == revisions(migrations)
    assert "from DBSHIFT_MIGRATION_URL" in outputs[2]
    for text in outputs + [p.read_text() for p in migrations.glob("*.py")]:
        assert SECRET not in text

    monkeypatch.setenv("DBSHIFT_MIGRATION_PASSWORD", SECRET)
    config = app.extensions["dbshift"].migrate.config(app=app)
    assert sa.engine.make_url(config.url).password == SECRET, "the password reaches the connection"
    assert SECRET not in repr(config)


def test_password_asked_on_a_terminal_once(pg_url: str, tmp_path: Path, make_app, monkeypatch):
    monkeypatch.delenv("DBSHIFT_MIGRATION_PASSWORD", raising=False)
    monkeypatch.delenv("DBSHIFT_PASSWORD", raising=False)
    migrations = tmp_path / "migrations"
    FlaskDb(make_app(pg_url, migrations))("init")
    FlaskDb(make_app(pg_url, migrations))("migrate", "-m", "initial")
    app = make_app(pg_url, migrations, config={"DBSHIFT_MIGRATION_URL": _privileged(pg_url)})
    migrate = app.extensions["dbshift"].migrate

    prompts: list[str] = []
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or SECRET)
    migrate.upgrade(app=app)
    assert migrate.status(app=app).up_to_date
    assert len(prompts) == 1, "asked once per process"
    assert "postgres@127.0.0.1" in prompts[0] and SECRET not in prompts[0]


def test_unreachable_privileged_url_hides_the_password(pg_url: str, tmp_path: Path, make_app, monkeypatch):
    monkeypatch.delenv("DBSHIFT_MIGRATION_PASSWORD", raising=False)
    monkeypatch.delenv("DBSHIFT_PASSWORD", raising=False)
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

    missing = MigrationPasswordMissing("postgresql://admin@db/shop")
    assert str(missing).count("\n") == 0 and "$DBSHIFT_MIGRATION_PASSWORD" in str(missing)


def test_privileged_urls_per_bind(tmp_path: Path, make_app):
    """DBSHIFT_MIGRATION_URL and DBSHIFT_MIGRATION_BINDS: migrations go there, not to the app's own URLs."""
    app_db, app_audit = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'app_audit.db'}"
    owner_db, owner_audit = f"sqlite:///{tmp_path / 'owner.db'}", f"sqlite:///{tmp_path / 'owner_audit.db'}"
    migrations = tmp_path / "migrations"
    config = {"DBSHIFT_MIGRATION_URL": owner_db, "DBSHIFT_MIGRATION_BINDS": {"audit": owner_audit}}
    db = FlaskDb(make_app(app_db, migrations, bind_url=app_audit, config=config))
    db("init")
    db("migrate", "--all-binds", "-m", "initial")
    db("upgrade", "--all-binds")
    assert history_rows(owner_db) == revisions(migrations)
    assert history_rows(owner_audit) == revisions(migrations / "audit")
    assert not (tmp_path / "app.db").exists() and not (tmp_path / "app_audit.db").exists()
    assert "from DBSHIFT_MIGRATION_BINDS['audit']" in db("current", "-v", "--bind", "audit").output

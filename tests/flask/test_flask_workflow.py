"""``flask db`` as a Flask-Migrate user types it, through Flask's CLI runner, on every database."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.api import MigrationsMissing
from dbshift.flask import DatabaseBehind
from flaskapps import FlaskDb, history_rows, revisions, tables


def test_init_migrate_upgrade_change_downgrade(db_url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    db = FlaskDb(make_app(db_url, migrations))

    out = db("init").output
    assert f"Created {migrations}/" in out and "No env.py" in out
    assert migrations.is_dir() and list(migrations.iterdir()) == [], "init creates the directory and nothing else"

    out = db("migrate", "-m", "initial").output
    assert "create table product" in out
    (first,) = revisions(migrations)

    db("upgrade")
    assert {"product", "dbshift_history"} <= tables(db_url)
    assert history_rows(db_url) == [first]
    assert "No changes" in db("migrate", "-m", "nothing").output
    assert revisions(migrations) == [first], "nothing written when nothing changed"

    # the models change; the app restarts with the new code
    db = FlaskDb(make_app(db_url, migrations, version=2))
    out = db("migrate", "-m", "price and tags").output
    assert "add column product.price" in out and "create table tag" in out
    second = revisions(migrations)[1]
    out = db("upgrade", "--dry-run").output
    assert f"Would apply {second}" in out and "CREATE TABLE tag" in out
    assert "tag" not in tables(db_url), "a dry run changes nothing"
    out = db("upgrade", "--lock-wait", "5s").output
    assert "Applying" in out and f"Now at {second}" in out
    assert "tag" in tables(db_url)
    assert "matches" in db("check").output

    out = db("downgrade").output  # -1, like Flask-Migrate
    assert "Reverting" in out
    assert "tag" not in tables(db_url)
    assert history_rows(db_url) == [first]
    assert first in db("current").output
    assert "create table tag" in db("check", expect=2).output

    db("upgrade", "+1")
    assert f"{second}  price and tags (head)" in db("current").output
    history = db("history").output
    assert history.index(second) < history.index(first), "newest first"
    assert "(head, current)" in history
    assert second in db("heads").output
    assert "add column product.price" in db("show").output, "show defaults to head"
    assert "create table product" in db("show", first.rpartition("_")[2]).output, "the random part, as in file names"

    db("downgrade", "base")
    assert tables(db_url) & {"product", "tag"} == set()
    sql = db("upgrade", "--sql").output
    assert "CREATE TABLE" in sql and "dbshift_history" in sql
    assert "product" not in tables(db_url), "--sql changes nothing"


def test_adopting_a_database_made_by_create_all(db_url: str, second_url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    production = make_app(second_url, migrations)
    with production.app_context():
        db_ = production.extensions["test_db"]
        db_.create_all()
        db_.session.execute(sa.text("INSERT INTO product (id, name) VALUES (1, 'kept')"))
        db_.session.commit()
    prod = FlaskDb(production)
    prod("init")
    out = prod("migrate", "-m", "initial").output
    assert "No changes" in out and "stamp head" in out, "explains how to adopt the database"
    assert revisions(migrations) == []

    # the first migration is generated against an empty (development) database
    FlaskDb(make_app(db_url, migrations))("migrate", "-m", "initial")
    (first,) = revisions(migrations)

    assert "migrations end at" in prod("migrate", "-m", "x", expect=1).stderr
    out = prod("stamp").output  # head, like Flask-Migrate
    assert f"Stamped: base -> {first}" in out
    assert history_rows(second_url) == [first]
    assert "matches" in prod("check").output

    prod = FlaskDb(make_app(second_url, migrations, version=2))
    prod("migrate", "-m", "price")
    prod("upgrade")
    with production.app_context():
        assert production.extensions["test_db"].session.execute(sa.text("SELECT name FROM product")).scalar() == "kept"
    assert len(history_rows(second_url)) == 2


LOGGERS = ("", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool", "dbshift")


def _logging_state(app_name: str):  # noqa: ANN202
    """Level, handlers, propagation of the root, app, SQLAlchemy and dbshift loggers."""
    loggers = [logging.getLogger(name) for name in (*LOGGERS, app_name)]
    return [(lg.name, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]


def test_upgrade_at_start_up_and_require_current(db_url: str, tmp_path: Path, make_app, capsys):
    migrations = tmp_path / "migrations"
    with pytest.raises(MigrationsMissing, match="run 'flask db init'"):
        make_app(db_url, migrations, upgrade_on_start=True)
    first_app = make_app(db_url, migrations)
    db = FlaskDb(first_app)
    db("init")
    db("migrate", "-m", "initial")
    (first,) = revisions(migrations)
    capsys.readouterr()

    first_app.logger.info("Flask sets up app.logger on first use")
    before = _logging_state(first_app.logger.name)
    app = make_app(db_url, migrations, upgrade_on_start=True)
    assert {"product", "dbshift_history"} <= tables(db_url), "upgraded while the app was set up"
    assert history_rows(db_url) == [first]
    assert _logging_state(app.logger.name) == before, "dbshift leaves the app's logging alone"
    assert capsys.readouterr() == ("", ""), "nothing printed"
    migrate = app.extensions["dbshift"].migrate
    status = migrate.status(app=app)
    assert status.up_to_date and status.current == (first,)

    # new code ships with a migration the database does not have yet
    FlaskDb(make_app(db_url, migrations, version=2))("revision", "-m", "hand-written")
    app = make_app(db_url, migrations, version=2)
    migrate = app.extensions["dbshift"].migrate
    with pytest.raises(DatabaseBehind) as caught:
        migrate.require_current(app=app)
    message = str(caught.value)
    assert "1 migration(s) pending" in message and "run 'flask db upgrade'" in message
    assert not migrate.status(app=app).up_to_date

    with app.app_context():  # inside a context, no app= needed
        result = migrate.upgrade()
        assert len(result.steps) == 1
        migrate.require_current()
    assert _logging_state(app.logger.name) == before
    assert capsys.readouterr() == ("", "")


def test_models_not_imported_stops_migrate(db_url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    db = FlaskDb(make_app(db_url, migrations))
    db("init")
    db("migrate", "-m", "initial")
    db("upgrade")

    forgetful = FlaskDb(make_app(db_url, migrations, models=False))
    result = forgetful("migrate", "-m", "oops", expect=1)
    assert result.stderr.startswith("Error: the models define no tables but the database has 1 (product)")
    assert "are the model modules imported? nothing was written" in result.stderr
    assert len(revisions(migrations)) == 1
    assert "product" in tables(db_url)


def test_binds_have_their_own_directory_and_history(db_url: str, second_url: str, tmp_path: Path, make_app):
    """As Flask-Migrate's multi-database mode: a plain init, then every command on every bind; --bind narrows."""
    migrations = tmp_path / "migrations"
    db = FlaskDb(make_app(db_url, migrations, bind_url=second_url))

    out = db("init").output
    assert f"Created {migrations}/ (default bind)" in out and f"Created {migrations / 'audit'}/ (bind 'audit')" in out
    assert not [p for p in migrations.rglob("*") if p.is_file()], "no env.py or any other file to maintain"

    out = db("migrate", "-m", "initial").output
    assert out.index("Default bind (") < out.index("create table product") < out.index("Bind 'audit' (")
    assert out.index("Bind 'audit' (") < out.index("create table audit_entry")
    assert len(revisions(migrations)) == 1 and len(revisions(migrations / "audit")) == 1

    out = db("upgrade").output
    assert "Default bind (" in out and "Bind 'audit' (" in out
    assert "product" in tables(db_url) and "audit_entry" not in tables(db_url)
    assert "audit_entry" in tables(second_url) and "product" not in tables(second_url)
    assert history_rows(db_url) == revisions(migrations)
    assert history_rows(second_url) == revisions(migrations / "audit")
    out = db("migrate", "--bind", "audit", "-m", "again").output
    assert "No changes" in out and "Default bind" not in out, "--bind narrows to one"

    events = [json.loads(line) for line in db("upgrade", "--all-binds", "--json").output.splitlines()]
    assert [(e["event"], e.get("bind")) for e in events if e["event"] in ("bind", "result")] == [
        ("bind", None), ("result", None), ("bind", "audit"), ("result", None)
    ]
    assert all(e["nothing_to_do"] for e in events if e["event"] == "result")

    out = db("current").output
    assert revisions(migrations)[0] in out and revisions(migrations / "audit")[0] in out
    assert "matches" in db("check", "--bind", "audit").output
    assert db("check").output.count("matches") == 2

    db("downgrade", "--bind", "audit", "base")
    assert "audit_entry" not in tables(second_url) and "product" in tables(db_url)
    assert "base" in db("current", "--bind", "audit").output
    assert "create table audit_entry" in db("check", expect=2).output, "check looks at every bind"

    assert "unknown bind 'nope'" in db("upgrade", "--bind", "nope", expect=1).stderr
    assert "either --bind NAME or --all-binds" in db("upgrade", "--bind", "audit", "--all-binds", expect=2).output


def test_switching_from_flask_migrate(db_url: str, second_url: str, tmp_path: Path, make_app):
    """A Flask-Migrate project: its migrations/ folder and the alembic_version table in its database."""
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text("from alembic import context\n")
    (migrations / "alembic.ini").write_text("[alembic]\n")
    production = make_app(second_url, migrations)
    with production.app_context():
        sqla = production.extensions["test_db"]
        sqla.create_all()
        sqla.session.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        sqla.session.execute(sa.text("INSERT INTO alembic_version VALUES ('ae1027a6acf')"))
        sqla.session.commit()
    prod = FlaskDb(production)

    # the folder is the history now (tests/flask/test_flask_adopt.py adopts one); this one lacks the script
    # alembic_version names, so adopting it is refused in one line, and a fresh baseline is the way out
    error = prod("adopt", "--dry-run", expect=1).stderr
    assert "alembic_version says the database is at ae1027a6acf" in error and "does not hold" in error

    migrations.rename(tmp_path / "migrations_alembic")
    prod("init")
    FlaskDb(make_app(db_url, migrations))("migrate", "-m", "initial")  # against an empty database
    assert "Stamped: base ->" in prod("stamp", "head").output
    assert "matches" in prod("check").output, "alembic_version is not a difference"
    assert "No changes" in prod("migrate", "-m", "nothing").output
    assert "alembic_version" in tables(second_url), "left alone"

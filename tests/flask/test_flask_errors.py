"""Mistakes get one line and a non-zero exit (Flask-Migrate's options: test_flask_migrate_habits.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.project import files as scripts
from dbshift.flask import DatabaseBehind, Migrate
from flaskapps import FlaskDb, revisions


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path, make_app) -> FlaskDb:
    return FlaskDb(make_app(sqlite_url, tmp_path / "migrations"))


def test_mistakes_are_one_line(db: FlaskDb, tmp_path: Path):
    result = db("upgrade", expect=1)
    assert f"migrations directory {tmp_path / 'migrations'} does not exist; run 'flask db init'" in result.stderr
    db("init")
    assert "Exists" in db("init").output, "init again is harmless"
    assert "nothing is applied" in db("downgrade", expect=1).stderr
    db("migrate", "-m", "initial")
    assert "the database is at base (nothing applied); name a revision" in db("show", "current", expect=1).stderr
    db("upgrade")
    assert "unknown revision 'nope'" in db("upgrade", "nope", expect=1).stderr
    assert "unknown bind 'nope'" in db("current", "--bind", "nope", expect=1).stderr
    assert "takes no run options" in db("upgrade", "--sql", "--dry-run", expect=2).output
    assert "invalid duration" in db("upgrade", "--lock-wait", "soon", expect=1).stderr.lower()
    assert "No such option '--dry-rn'" in db("downgrade", "--dry-rn", expect=2).output, "a typo is not a revision"
    assert "only 1 revision applied" in db("downgrade", "-2", expect=1).stderr, "-N reaches downgrade as a target"


def test_forked_history_and_merge(db: FlaskDb, tmp_path: Path):
    migrations = tmp_path / "migrations"
    db("init")
    db("migrate", "-m", "initial")
    (first,) = revisions(migrations)
    db("revision", "-m", "left")
    # a teammate's migration on another branch, built on the same parent
    scripts.write_migration(migrations, "20991231000000_beef", (first,), "right", [], now=datetime.now(timezone.utc))
    assert len(db("heads").output.strip().splitlines()) == 2
    assert "merge them with 'flask db merge'" in db("migrate", "-m", "x", expect=1).stderr
    assert first in db("branches").output
    assert "merging" in db("merge", "heads", "-m", "join").output, "'heads', as Flask-Migrate users type it"
    assert len(db("heads").output.strip().splitlines()) == 1
    db("upgrade")


def test_in_memory_sqlite_is_refused(tmp_path: Path, make_app):
    db = FlaskDb(make_app("sqlite://", tmp_path / "migrations"))
    db("init")
    assert "in-memory SQLite" in db("upgrade", expect=1).stderr


def test_unsupported_migrate_options(sqlite_url: str, tmp_path: Path, make_app):
    make_app(sqlite_url, tmp_path / "m", compare_type=True, render_as_batch=True)  # Flask-Migrate habits: accepted
    with pytest.raises(TypeError, match="instead of include_object, list the tables to leave alone in exclude_tables"):
        Migrate(include_object=lambda *a: True)


def test_edited_and_unfinished_migrations(db: FlaskDb, sqlite_url: str, tmp_path: Path):
    migrations = tmp_path / "migrations"
    db("init")
    db("migrate", "-m", "initial")
    db("upgrade")
    (first,) = revisions(migrations)

    path = next(migrations.glob("*.py"))
    path.write_text(path.read_text() + "# a comment added later\n")
    db("revision", "-m", "second")
    assert first in db("upgrade", expect=1).stderr, "an edited applied migration stops the run"
    assert "Accepted" in db("accept", first).output
    db("upgrade")

    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE dbshift_history SET status = 'failed' WHERE revision = :r"), {"r": first})
    engine.dispose()
    assert f"Unfinished: {first}" in db("current", "-v").output
    db("upgrade", expect=1)
    with pytest.raises(DatabaseBehind, match=f"unfinished run of {first}"):
        db.app.extensions["dbshift"].migrate.require_current(app=db.app)
    assert "--applied or --rolled-back" in db("resolve", first, expect=2).output
    assert "as applied" in db("resolve", first, "--applied").output
    assert "Nothing to do" in db("upgrade").output


@pytest.mark.parametrize(
    "config, message",
    [
        ({"DBSHIFT_MIGRATION_URI": "sqlite:///x.db"}, "'DBSHIFT_MIGRATION_URI']: dbshift has no such setting; "
                                                      "did you mean DBSHIFT_MIGRATION_URL?"),
        ({"DBSHIFT_URL": "sqlite:///x.db"}, "did you mean DBSHIFT_MIGRATION_URL?"),
        ({"DBSHIFT_MIGRATION_BINDS": {"adit": "sqlite:///x.db"}}, "bind 'adit' is not in SQLALCHEMY_BINDS (empty)"),
    ],
)
def test_a_misspelt_setting_stops_instead_of_migrating_the_wrong_database(
    sqlite_url: str, tmp_path: Path, make_app, config: dict, message: str
):
    db = FlaskDb(make_app(sqlite_url, tmp_path / "migrations", config=config))
    assert message in db("init", expect=1).stderr
    assert not (tmp_path / "migrations").exists()


def test_dbshift_variables_copied_from_the_environment_are_not_settings(sqlite_url: str, tmp_path: Path, make_app,
                                                                        monkeypatch):
    monkeypatch.setenv("DBSHIFT_DEBUG", "")
    db = FlaskDb(make_app(sqlite_url, tmp_path / "migrations", config={"DBSHIFT_DEBUG": ""}))
    db("init")


@pytest.mark.parametrize("args, said", [
    (("upgrade", "--dry-rn\x1b]0;owned\x07"), r"No such option '--dry-rn\x1b]0;owned\x07'"),
    (("upgrade", "--dry-rn\x07"), r"No such option '--dry-rn\x07'. Did you mean '--dry-run'?"),
    (("downgrade", "-1", "base\r\x08\x08\x08\x08ok"), r"Got unexpected extra argument (base\r\x08\x08\x08\x08ok)"),
    (("upgarde\x07",), r"No such command 'upgarde\x07'"),
    (("--verbose\x07", "upgrade"), r"No such option '--verbose\x07'"),
    (("upgrade", "--lock-wait"), "Option '--lock-wait' requires an argument"),
])
def test_usage_mistakes_are_one_escaped_line(db: FlaskDb, args: tuple[str, ...], said: str):
    result = db(*args, expect=2)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and said in lines[0], result.stderr
    assert not any(c < " " and c != "\t" for c in result.stderr.rstrip("\n")), "no control character reaches the terminal"

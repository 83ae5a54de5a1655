"""Every ``flask db`` verb and option a Flask-Migrate user types: it works, or it is refused in one line saying
what to do instead.  And every option of the ``dbshift`` command exists on its ``flask db`` twin."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from dbshift.cli.parser import build_parser
from dbshift.flask.commands import db_group
from flaskapps import FlaskDb, history_rows, revisions, tables

# (argv, what the one-line refusal must say: the reason and what to do instead)
REFUSED = [
    (["migrate", "--head", "abc"], "use 'flask db merge' to join heads"),
    (["revision", "--splice"], "use 'flask db merge' to join heads"),
    (["migrate", "--branch-label", "x"], "use 'flask db merge' to join heads"),
    (["revision", "--depends-on", "x"], "use 'flask db merge' to join heads"),
    (["migrate", "--version-path", "v"], "choose it with -d DIRECTORY or --bind NAME"),
    (["migrate", "--rev-id", "abc"], "sort in creation order; leave it out"),
    (["revision", "--rev-id", "abc"], "sort in creation order; leave it out"),
    (["merge", "--rev-id", "abc"], "sort in creation order; leave it out"),
    (["merge", "--branch-label", "x"], "use 'flask db merge' to join heads"),
    (["migrate", "-x", "a=b"], "no env.py to read it; leave it out"),
    (["upgrade", "--tag", "x"], "no env.py to read it; leave it out"),
    (["upgrade", "-x", "a=b"], "no env.py to read it; leave it out"),
    (["downgrade", "--tag", "x"], "no env.py to read it; leave it out"),
    (["downgrade", "--x-arg", "a=b"], "no env.py to read it; leave it out"),
    (["-x", "a=b", "check"], "no env.py to read it; leave it out"),
    (["stamp", "--sql"], "run it against the database"),
    (["stamp", "--tag", "x"], "no env.py to read it; leave it out"),
    (["init", "--template", "flask-multidb"], "no templates: migrations are plain Python files; leave it out"),
    (["init", "--package"], "needs no __init__.py; leave it out"),
]


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path, make_app) -> FlaskDb:
    return FlaskDb(make_app(sqlite_url, tmp_path / "migrations"))


@pytest.mark.parametrize("argv, says", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_flask_migrate_options_with_no_meaning_are_refused_in_one_line(db: FlaskDb, argv: list[str], says: str):
    result = db.runner.invoke(args=["db", *argv])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: -") and " is not supported by dbshift: " in line and says in line
    assert result.stdout == ""


def test_every_flask_migrate_verb_and_option_that_works(db: FlaskDb, sqlite_url: str, tmp_path: Path, monkeypatch):
    migrations, other = tmp_path / "migrations", tmp_path / "other"
    assert "Created" in db("init", "--multidb").output
    assert f"Created {other}/" in db("-d", str(other), "init").output, "flask db -d DIR COMMAND, as in Flask-Migrate 4"

    db("migrate", "--message", "initial", "--head", "head")  # --head head asks for what dbshift does anyway
    db("revision", "-m", "by hand")
    first, second = revisions(migrations)
    assert "CREATE TABLE product" in db("upgrade", "--sql").output
    assert "DROP TABLE product" in db("downgrade", "--sql", f"{second}:base").output
    db("upgrade", first)
    assert history_rows(sqlite_url) == [first]
    db("upgrade", "head")
    assert "Reverting" in db("downgrade", "-1").output
    db("upgrade")
    assert "No changes" in db("revision", "--autogenerate", "-m", "nothing to add").output

    assert "create table product" in db("show", first).output
    assert "by hand" in db("show").output, "show defaults to head"
    assert "by hand" in db("show", "current").output
    assert second in db("heads", "-v", "--resolve-dependencies").output
    assert "linear" in db("branches", "-v").output
    assert second in db("current", "-v").output
    history = db("history", "-v", "-i").output
    assert history.index(second) < history.index(first) and "file:" in history
    listed = lambda *argv: [line.split()[1] for line in db("history", *argv).output.splitlines()]  # noqa: E731
    assert listed("-r", f"{second}:") == [second]
    assert listed("--rev-range", "base:head") == [second, first]
    assert listed("-r", ":-1") == [first], "from base to one step before current"
    assert listed("-r", "-1:current") == [second, first]
    assert "No revisions in range" in db("history", "-r", "base:base").output
    assert "expected START:END" in db("history", "-r", "nonsense", expect=1).stderr

    db("stamp", "--purge", first)
    assert history_rows(sqlite_url) == [first]
    assert "create table product" in db("show", "current").output
    db("stamp", "head")
    assert "matches" in db("check").output
    assert "no templates" in db("list-templates").output

    # the group's -d applies to every command; the default directory stays untouched
    db("-d", str(other), "revision", "-m", "elsewhere")
    assert len(revisions(other)) == 1 and len(revisions(migrations)) == 2
    assert "No migrations yet" not in db("-d", str(other), "heads").output

    monkeypatch.setenv("EDITOR", """sh -c 'echo "# edited" >> "$0"'""")  # 'flask db edit' runs $EDITOR FILE
    db("edit")
    assert [p.name for p in migrations.glob("*.py") if "# edited" in p.read_text()] == [
        p.name for p in migrations.glob(f"{second}*.py")
    ], "the head's file"


def _cli_options(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return {o for a in sub._actions for o in a.option_strings} - {"-h", "--help", "--url"}  # flask db: the app's URL


def _flask_options(command: str) -> set[str]:
    params = db_group.commands[command].params
    return {o for p in params for o in [*p.opts, *p.secondary_opts] if o.startswith("-")} - {"--help"}


@pytest.mark.parametrize(
    "cli_command, flask_command",
    [("revision", "revision"), ("upgrade", "upgrade"), ("downgrade", "downgrade"), ("stamp", "stamp"),
     ("merge", "merge"), ("resolve", "resolve"), ("accept", "accept")],
)
def test_the_dbshift_commands_options_are_on_flask_db(cli_command: str, flask_command: str):
    missing = _cli_options(cli_command) - _flask_options(flask_command)
    assert not missing, f"'flask db {flask_command}' lacks {sorted(missing)} of 'dbshift {cli_command}'"


def test_migrate_has_the_options_of_revision_autogenerate():
    assert _cli_options("revision") - {"--autogenerate"} <= _flask_options("migrate")


def test_dbshift_run_options_on_flask_db(db: FlaskDb, sqlite_url: str, tmp_path: Path, make_app):
    db("init")
    db("migrate", "-m", "initial")
    (first,) = revisions(tmp_path / "migrations")

    out = db("upgrade", "--dry-run", "--yes").output
    assert f"Would apply {first}" in out and "product" not in tables(sqlite_url)

    events = [json.loads(line) for line in db("upgrade", "--json", "--lock-wait", "5s").output.splitlines()]
    assert events[-1]["event"] == "result" and events[-1]["current"] == [first]
    assert "step_started" in {e["event"] for e in events}
    failed = db.runner.invoke(args=["db", "upgrade", "nope", "--json"])
    assert failed.exit_code == 1 and json.loads(failed.stdout.splitlines()[-1])["event"] == "error"

    assert "Stamped" in db("stamp", "base", "--lock-wait", "2s").output
    assert "invalid duration" in db("stamp", "head", "--lock-wait", "soon", expect=1).stderr

    # a renamed column, declared instead of guessed as drop + add
    renamed = make_app(sqlite_url, tmp_path / "migrations", models=False)
    sqla = renamed.extensions["test_db"]

    class Product(sqla.Model):
        __tablename__ = "product"
        id = sqla.Column(sqla.Integer, primary_key=True)
        title = sqla.Column(sqla.String(100))

    db = FlaskDb(renamed)
    db("stamp", "head")
    db("upgrade", "--accept-checksum", first)
    out = db("migrate", "-m", "title", "--rename", "product.name:title", "--no-input").output
    assert "rename column product.name to title" in out and "drop" not in out


def test_directory_from_the_environment(db: FlaskDb, tmp_path: Path):
    """Flask-Migrate 4.1 habit: FLASK_DB_DIRECTORY stands for 'flask db -d DIR'."""
    other = tmp_path / "other"

    def flask_db(*argv: str) -> str:  # the 'flask' command reads FLASK_* variables; Flask's test runner does not
        env = {"FLASK_DB_DIRECTORY": str(other)}
        result = db.runner.invoke(args=["db", *argv], env=env, auto_envvar_prefix="FLASK")
        assert result.exit_code == 0, result.output
        return result.output

    assert f"Created {other}/" in flask_db("init")
    flask_db("revision", "-m", "elsewhere")
    assert len(revisions(other)) == 1 and not (tmp_path / "migrations").exists()


def test_custom_command_name_and_excluded_tables(sqlite_url: str, tmp_path: Path, make_app):
    import sqlalchemy as sa

    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE celery_taskmeta (id INTEGER PRIMARY KEY)")  # another tool's table
    engine.dispose()
    app = make_app(sqlite_url, tmp_path / "migrations", command="database", exclude_tables=["celery_taskmeta"])
    runner = app.test_cli_runner()

    def database(*argv: str, expect: int = 0) -> str:
        result = runner.invoke(args=["database", *argv])
        assert result.exit_code == expect, result.output
        return result.output

    assert "Next: flask database migrate" in database("init")
    out = database("migrate", "-m", "initial")
    assert "create table product" in out and "celery_taskmeta" not in out, "an excluded table is left alone"
    assert "run 'flask database upgrade'" in database("migrate", "-m", "again", expect=1)
    assert "'flask database merge'" in database("migrate", "--splice", expect=2), "hints name the command in use"
    database("upgrade")
    assert "celery_taskmeta" in tables(sqlite_url) and "product" in tables(sqlite_url)
    assert "matches" in database("check")

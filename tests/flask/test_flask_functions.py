"""Flask-Migrate's module-level functions, from ``dbshift.flask``, called inside an app context as apps do
at start-up and in their own CLI commands (``upgrade()``, ``stamp()``): same names, same signatures."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import dbshift.flask as dbshift_flask
from dbshift.flask import (
    branches, check, current, downgrade, heads, history, init, list_templates, merge, migrate, revision, show, stamp,
    upgrade,
)
from flaskapps import dbshift_commands_in, history_rows, revisions, tables

# Flask-Migrate 4's functions: (parameter, default) in order.
FLASK_MIGRATE = {
    "init": [("directory", None), ("multidb", False), ("template", None), ("package", False)],
    "revision": [("directory", None), ("message", None), ("autogenerate", False), ("sql", False), ("head", "head"),
                 ("splice", False), ("branch_label", None), ("version_path", None), ("rev_id", None)],
    "migrate": [("directory", None), ("message", None), ("sql", False), ("head", "head"), ("splice", False),
                ("branch_label", None), ("version_path", None), ("rev_id", None), ("x_arg", None)],
    "edit": [("directory", None), ("revision", "current")],
    "merge": [("directory", None), ("revisions", ""), ("message", None), ("branch_label", None), ("rev_id", None)],
    "upgrade": [("directory", None), ("revision", "head"), ("sql", False), ("tag", None), ("x_arg", None)],
    "downgrade": [("directory", None), ("revision", "-1"), ("sql", False), ("tag", None), ("x_arg", None)],
    "show": [("directory", None), ("revision", "head")],
    "history": [("directory", None), ("rev_range", None), ("verbose", False), ("indicate_current", False)],
    "heads": [("directory", None), ("verbose", False), ("resolve_dependencies", False)],
    "branches": [("directory", None), ("verbose", False)],
    "current": [("directory", None), ("verbose", False)],
    "stamp": [("directory", None), ("revision", "head"), ("sql", False), ("tag", None), ("purge", False)],
    "check": [("directory", None)],
    "list_templates": [],
}


@pytest.mark.parametrize("name", sorted(FLASK_MIGRATE))
def test_the_signatures_are_flask_migrates(name: str):
    parameters = inspect.signature(getattr(dbshift_flask, name)).parameters.values()
    assert [(p.name, p.default) for p in parameters] == FLASK_MIGRATE[name]


def test_start_up_and_cli_habits(db_url: str, second_url: str, tmp_path: Path, make_app, capsys):
    migrations = tmp_path / "migrations"
    app = make_app(db_url, migrations, bind_url=second_url)
    with app.app_context():
        init()
        migrate(message="initial")
        assert "create table product" in capsys.readouterr().out
        (first,), (audit,) = revisions(migrations), revisions(migrations / "audit")

        upgrade(sql=True)  # a script, nothing run
        assert "CREATE TABLE product" in capsys.readouterr().out and "product" not in tables(db_url)
        upgrade()  # every bind, as 'flask db upgrade'
        assert "Now at" in capsys.readouterr().out
        assert "product" in tables(db_url) and "audit_entry" in tables(second_url)
        assert history_rows(db_url) == [first] and history_rows(second_url) == [audit]
        check()  # returns: the models match every database
        current(verbose=True)
        out = capsys.readouterr().out
        assert first in out and audit in out and out.count("matches") == 2

        # an app's own "reset" command: stamp without running, then upgrade again
        stamp(revision="base")
        assert history_rows(db_url) == [] and history_rows(second_url) == []
        stamp()
        assert history_rows(db_url) == [first] and history_rows(second_url) == [audit]

        revision(message="by hand")
        second = revisions(migrations)[1]
        upgrade(directory=str(migrations), revision="head", sql=False, tag=None, x_arg=None)
        assert history_rows(db_url) == [first, second]
        downgrade()
        assert history_rows(db_url) == [first] and history_rows(second_url) == []
        assert "audit_entry" not in tables(second_url)
        capsys.readouterr()

        history(rev_range="base:head", verbose=True, indicate_current=True)
        heads(verbose=True, resolve_dependencies=True)
        branches()
        show(revision=first)
        list_templates()
        out = capsys.readouterr().out
        assert second in out and "create table product" in out and "linear" in out and "no templates" in out
        with pytest.raises(SystemExit):
            merge(revisions="heads", message="join")
        assert capsys.readouterr().err.startswith("Error: nothing to merge: the history has 1 head(s)")
        assert len(revisions(migrations)) == 2

    assert dbshift_commands_in(out) == []


def test_failures_are_one_line_and_an_exit(sqlite_url: str, tmp_path: Path, make_app, capsys):
    app = make_app(sqlite_url, tmp_path / "migrations")
    with pytest.raises(SystemExit) as exited:
        upgrade()
    assert exited.value.code == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == "Error: dbshift.flask.upgrade() needs an application context: call it inside 'with app.app_context():'"

    with app.app_context():
        with pytest.raises(SystemExit) as exited:
            upgrade()
        assert exited.value.code == 1
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("Error: migrations directory ") and line.endswith("run 'flask db init'")

        init()
        migrate(message="initial")
        with pytest.raises(SystemExit) as exited:
            check()  # written, not applied: the database lacks the models' table
        assert exited.value.code == 2
        with pytest.raises(SystemExit) as exited:
            upgrade(revision="nope")
        assert exited.value.code == 1 and capsys.readouterr().err.splitlines() == ["Error: unknown revision 'nope'"]

        with pytest.raises(SystemExit) as exited:
            stamp(sql=True)
        assert exited.value.code == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert "stamp(sql=True) is not supported" in line
        assert "dbshift_history" not in tables(sqlite_url), "nothing written"

"""Flask-Migrate's own scenarios, with ``from dbshift.flask import Migrate`` in the apps: each app file runs
through the real ``flask`` command in a process of its own (forked from one with Flask imported), and what it did is read back from the databases.

The apps are Flask-Migrate's test apps as a user has them (``compare_type=False``, ``command='database'``,
a relative or ``pathlib`` migrations directory, a second database in ``SQLALCHEMY_BINDS``), with only the
import changed.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal

REPO = Path(__file__).resolve().parents[2]

APP = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from dbshift.flask import Migrate

basedir = os.path.abspath(os.path.dirname(__file__))

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///' + os.path.join(basedir, 'app.db')
app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False

db = SQLAlchemy(app)
migrate = Migrate(app, db, compare_type=False)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(256))


@app.cli.command()
def add():
    \"\"\"Add test user.\"\"\"
    db.session.add(User(name='test'))
    db.session.commit()
"""

APP_MULTIDB = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from dbshift.flask import Migrate

basedir = os.path.abspath(os.path.dirname(__file__))

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///' + os.path.join(basedir, 'app1.db')
app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False
app.config['SQLALCHEMY_BINDS'] = {
    "db1": "sqlite:///" + os.path.join(basedir, "app2.db"),
}

db = SQLAlchemy(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(128))


class Group(db.Model):
    __bind_key__ = 'db1'
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(128))


migrate = Migrate(app, db)


@app.cli.command()
def add():
    \"\"\"Add test users.\"\"\"
    db.session.add(User(name='test'))
    db.session.add(Group(name='group'))
    db.session.commit()
"""


def compare_type_app(length: int) -> str:
    return f"""
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from dbshift.flask import Migrate

basedir = os.path.abspath(os.path.dirname(__file__))

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///' + os.path.join(basedir, 'app.db')
app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False

db = SQLAlchemy(app)
migrate = Migrate(app, db, command='database')


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String({length}))
"""


def custom_directory_app(directory: str) -> str:
    return APP.replace("from dbshift.flask import Migrate", "from pathlib import Path\nfrom dbshift.flask import Migrate").replace(
        "Migrate(app, db, compare_type=False)", f"Migrate(app, db, directory={directory})"
    )


class Flask:
    """``flask CMD...`` with ``FLASK_APP=<app file>``, in the folder of the apps, as Flask-Migrate's tests run it:
    a process per command, forked from ``warm`` (a process with Flask imported)."""

    def __init__(self, folder: Path, warm: Terminal) -> None:
        self.folder, self.warm = folder, warm
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DBSHIFT_"))}
        self.env["PYTHONPATH"] = str(REPO)

    def __call__(self, app: str, command: str) -> subprocess.CompletedProcess:
        done = self.warm.capture(["flask", *command.split()], self.folder, {**self.env, "FLASK_APP": app})
        assert "Traceback" not in done.stderr, done.stderr
        return done


@pytest.fixture
def flask(tmp_path: Path, warm_python: Terminal) -> Flask:
    for name, text in {
        "app.py": APP,
        "app_multidb.py": APP_MULTIDB,
        "app_compare_type1.py": compare_type_app(128),
        "app_compare_type2.py": compare_type_app(10),
        "app_custom_directory.py": custom_directory_app("'temp_folder/temp_migrations'"),
        "app_custom_directory_path.py": custom_directory_app("Path('temp_folder/temp_migrations')"),
    }.items():
        (tmp_path / name).write_text(text)
    return Flask(tmp_path, warm_python)


def sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def sqlite_rows(path: Path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(f'SELECT * FROM "{table}"'))


def test_migrate_upgrade(flask: Flask, tmp_path: Path):
    assert flask("app.py", "db init").returncode == 0
    assert flask("app.py", "db check").returncode != 0, "the models have a table the database lacks"
    assert flask("app.py", "db migrate").returncode == 0
    assert flask("app.py", "db check").returncode != 0, "written, not applied yet"
    assert flask("app.py", "db upgrade").returncode == 0
    assert flask("app.py", "db check").returncode == 0

    assert flask("app.py", "add").returncode == 0
    assert sqlite_rows(tmp_path / "app.db", "user") == [(1, "test")]
    assert len(sqlite_rows(tmp_path / "app.db", "dbshift_history")) == 1


@pytest.mark.parametrize("app", ["app_custom_directory.py", "app_custom_directory_path.py"])
def test_custom_directory(flask: Flask, tmp_path: Path, app: str):
    assert flask(app, "db init").returncode == 0
    assert flask(app, "db migrate").returncode == 0
    assert flask(app, "db upgrade").returncode == 0

    assert flask(app, "add").returncode == 0
    assert sqlite_rows(tmp_path / "app.db", "user") == [(1, "test")]
    assert len(list((tmp_path / "temp_folder" / "temp_migrations").glob("*.py"))) == 1
    assert not (tmp_path / "migrations").exists()


def test_compare_type(flask: Flask, tmp_path: Path):
    assert flask("app_compare_type1.py", "database init").returncode == 0
    assert flask("app_compare_type1.py", "database migrate").returncode == 0
    assert flask("app_compare_type1.py", "database upgrade").returncode == 0
    done = flask("app_compare_type2.py", "database migrate")
    assert done.returncode == 0
    assert "alter column user.name (type)" in done.stdout and "from varchar(128) to varchar(10)" in done.stdout
    assert flask("app_compare_type2.py", "database upgrade").returncode == 0
    assert flask("app_compare_type2.py", "database check").returncode == 0
    with sqlite3.connect(tmp_path / "app.db") as conn:
        assert [(r[1], r[2]) for r in conn.execute("PRAGMA table_info(user)")] == [("id", "INTEGER"), ("name", "VARCHAR(10)")]


@pytest.mark.parametrize("init", ["db init --multidb", "db init"])
def test_multidb_migrate_upgrade(flask: Flask, tmp_path: Path, init: str):
    app1, app2 = tmp_path / "app1.db", tmp_path / "app2.db"
    assert flask("app_multidb.py", init).returncode == 0
    assert flask("app_multidb.py", "db migrate").returncode == 0
    assert flask("app_multidb.py", "db upgrade").returncode == 0

    # the tables are in the right databases, each with its own history
    assert {"dbshift_history", "user"} <= sqlite_tables(app1) and "group" not in sqlite_tables(app1)
    assert {"dbshift_history", "group"} <= sqlite_tables(app2) and "user" not in sqlite_tables(app2)

    # the databases can be written to
    assert flask("app_multidb.py", "add").returncode == 0
    assert sqlite_rows(app1, "user") == [(1, "test")] and sqlite_rows(app2, "group") == [(1, "group")]

    # the downgrade works, on both
    assert flask("app_multidb.py", "db downgrade").returncode == 0
    assert "dbshift_history" in sqlite_tables(app1) and "user" not in sqlite_tables(app1)
    assert "dbshift_history" in sqlite_tables(app2) and "group" not in sqlite_tables(app2)


def test_custom_template_is_refused_in_one_line(flask: Flask, tmp_path: Path):
    """There are no templates to customise (no env.py, no script.py.mako): 'init -t DIR' says so, and stops."""
    done = flask("app.py", "db init -t ./custom_template")
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert "-t is not supported" in line or "--template is not supported" in line
    assert "there are no templates" in line
    assert not (tmp_path / "migrations").exists()
    assert flask("app.py", "db init").returncode == 0
    assert flask("app.py", "db migrate").returncode == 0
    assert flask("app.py", "db upgrade").returncode == 0
    assert flask("app.py", "add").returncode == 0
    assert sqlite_rows(tmp_path / "app.db", "user") == [(1, "test")]

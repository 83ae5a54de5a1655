"""``flask --app shopapp db ...`` as real processes (forked from one with Flask imported; those answering a terminal
start cold), in a temporary project folder, on SQLite and PostgreSQL.

One app file; environment variables stand for what a user changes between runs:
``SHOP_VERSION=2`` is the code after a model change, ``SHOP_NO_MODELS=1`` forgets
to import the models, ``SHOP_ON_START`` is ``upgrade`` (upgrade in-process at
start-up) or ``require`` (refuse to start on an old schema), ``SHOP_MIGRATION_URL`` is a privileged URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flaskapps import history_rows, tables
from tests.cli.terminal import Terminal

REPO = Path(__file__).resolve().parents[2]

APP = '''
import logging
import os

import click
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dbshift.flask import Migrate


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
VERSION = int(os.environ.get("SHOP_VERSION", "1"))

if not os.environ.get("SHOP_NO_MODELS"):

    class Product(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(sa.String(100))
        if VERSION >= 2:
            price: Mapped[int] = mapped_column(server_default="0")

    if VERSION >= 2:

        class Tag(db.Model):
            id: Mapped[int] = mapped_column(primary_key=True)
            product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"))

    class AuditEntry(db.Model):
        __bind_key__ = "audit"
        id: Mapped[int] = mapped_column(primary_key=True)
        action: Mapped[str] = mapped_column(sa.String(40))


def _logging():
    loggers = [logging.getLogger(name) for name in ("", "sqlalchemy", "sqlalchemy.engine", "dbshift")]
    return [(lg.level, len(lg.handlers), lg.disabled) for lg in loggers]


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["SHOP_URL"]
    app.config["SQLALCHEMY_BINDS"] = {"audit": os.environ["SHOP_AUDIT_URL"]}
    if os.environ.get("SHOP_MIGRATION_URL"):
        app.config["DBSHIFT_MIGRATION_URL"] = os.environ["SHOP_MIGRATION_URL"]
    db.init_app(app)
    before = _logging()
    on_start = os.environ.get("SHOP_ON_START")
    migrate.init_app(app, db, upgrade_on_start=on_start == "upgrade")  # migrations/ next to this file
    if on_start == "require":
        migrate.require_current()   # refuse to start on an old schema
    if _logging() != before:
        raise SystemExit("dbshift changed the logging configuration")

    @app.cli.command("create-all")
    def create_all():
        """What the app did before it had migrations."""
        db.create_all()

    @app.cli.command("hello")
    def hello():
        click.echo("started")

    return app
'''


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path: Path):
    """Three fresh databases: the app's, its audit bind's, and an old one made by create_all()."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path / name}.db" for name in ("shop", "audit", "old")]
        return
    server = request.getfixturevalue("postgres_server")
    made = [server.create() for _ in range(3)]
    yield made
    for url in made:
        server.drop(url)


class Flask:
    """Runs ``flask --app shopapp ...`` in ``project`` with a clean environment, a process per command (forked
    from ``warm``, a process with Flask imported)."""

    def __init__(self, project: Path, url: str, audit_url: str, warm: Terminal) -> None:
        self.project, self.warm = project, warm
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DBSHIFT_", "SHOP_"))}
        self.env.update(PYTHONPATH=str(REPO), SHOP_URL=url, SHOP_AUDIT_URL=audit_url)

    def __call__(self, *args: str, expect: int = 0, **env: str) -> subprocess.CompletedProcess:
        done = self.warm.capture(["flask", "--app", "shopapp", *args], self.project, {**self.env, **env})
        shown = f"flask {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        assert done.returncode == expect, shown
        if args[0] == "db":  # an app that refuses to start raises from create_app(): Flask shows that traceback
            assert "Traceback" not in done.stderr, done.stderr
        return done


def test_flask_db_as_real_commands(urls: list[str], tmp_path: Path, warm_python: Terminal):
    shop, audit, old = urls
    project = tmp_path / "project"
    project.mkdir()
    (project / "shopapp.py").write_text(APP)
    migrations = project / "migrations"
    flask = Flask(project, shop, audit, warm_python)

    out = flask("db", "init").stdout
    assert "Created" in out and (migrations / "audit").is_dir()
    assert [p for p in migrations.rglob("*") if p.is_file()] == [], "no env.py, no alembic.ini: nothing but folders"

    out = flask("db", "migrate", "-m", "initial").stdout  # every bind, as Flask-Migrate's multi-database mode
    assert out.index("create table product") < out.index("Bind 'audit'") < out.index("create table audit_entry")
    refused = flask("hello", expect=1, SHOP_ON_START="require")
    assert "DatabaseBehind: the database is behind the migrations" in refused.stderr
    assert "run 'flask db upgrade'" in refused.stderr
    out = flask("db", "upgrade").stdout
    assert "Applying" in out and "Now at" in out and "Bind 'audit'" in out
    assert "product" in tables(shop) and len(history_rows(shop)) == 1
    assert "audit_entry" in tables(audit) and "audit_entry" not in tables(shop), "each bind in its own database"
    assert len(history_rows(audit)) == 1 and len(list((migrations / "audit").glob("*.py"))) == 1
    assert "started" in flask("hello", SHOP_ON_START="require").stdout, "starts once the database is current"

    # the models change
    out = flask("db", "migrate", "-m", "price and tags", SHOP_VERSION="2").stdout
    assert "add column product.price" in out and "create table tag" in out and "No changes" in out
    flask("db", "upgrade", SHOP_VERSION="2")
    assert "tag" in tables(shop) and len(history_rows(shop)) == 2
    assert "Reverting" in flask("db", "downgrade", "--bind", "audit", SHOP_VERSION="2").stdout
    assert "audit_entry" not in tables(audit) and "tag" in tables(shop)
    out = flask("db", "downgrade", SHOP_VERSION="2").stdout
    assert "Reverting" in out and "Nothing applied: nothing to downgrade." in out
    assert "tag" not in tables(shop) and len(history_rows(shop)) == 1

    # the new code upgrades its own databases while starting, printing nothing of its own
    started = flask("hello", SHOP_VERSION="2", SHOP_ON_START="upgrade")
    assert started.stdout == "started\n" and started.stderr == ""
    assert "tag" in tables(shop) and len(history_rows(shop)) == 2
    assert "audit_entry" in tables(audit)

    # models not imported: nothing written, one line saying why
    forgot = flask("db", "migrate", "-m", "oops", expect=1, SHOP_NO_MODELS="1")
    assert "the models define no tables but the database has" in forgot.stderr
    assert len(forgot.stderr.strip().splitlines()) == 1
    assert len(list(migrations.glob("*.py"))) == 2

    # an old database made by create_all(): stamp it, then it is managed like the others
    old_app = Flask(project, old, audit, warm_python)
    old_app("create-all", SHOP_VERSION="2")
    assert "Stamped: base ->" in old_app("db", "stamp", "head", SHOP_VERSION="2").stdout
    assert len(history_rows(old)) == 2
    assert old_app("db", "check", SHOP_VERSION="2").stdout.count("matches") == 2
    assert "(head)" in old_app("db", "current", SHOP_VERSION="2").stdout


def test_a_database_on_another_host_asks_first_in_a_terminal(pg_url: str, tmp_path: Path, warm_python: Terminal):
    """Like 'dbshift upgrade': in a terminal, show the plan and ask before changing a database elsewhere."""
    import pty
    import socket

    host = socket.gethostname()
    if not socket.gethostbyname(host).startswith("127."):
        pytest.skip(f"needs this machine's name ({host}) to reach the local server")
    remote = pg_url.replace("127.0.0.1", host)  # the same server, by a name dbshift does not count as local
    project = tmp_path / "project"
    project.mkdir()
    (project / "shopapp.py").write_text(APP)
    flask = Flask(project, remote, f"sqlite:///{tmp_path / 'audit.db'}", warm_python)
    flask("db", "init")
    flask("db", "migrate", "-m", "initial")

    def upgrade_in_a_terminal(answer: str, *options: str) -> subprocess.CompletedProcess:
        main, terminal = pty.openpty()
        os.write(main, answer.encode())
        try:
            return subprocess.run(
                [sys.executable, "-m", "flask", "--app", "shopapp", "db", "upgrade", *options],
                cwd=project, env=flask.env, stdin=terminal, capture_output=True, text=True, timeout=120,
            )
        finally:
            os.close(main)
            os.close(terminal)

    declined = upgrade_in_a_terminal("n\n")
    assert declined.returncode == 1 and "Plan for " in declined.stdout and "? [y/N]" in declined.stdout, declined.stderr
    (error,) = declined.stderr.strip().splitlines()
    assert error.startswith("Error: ")
    assert "product" not in tables(pg_url)
    done = upgrade_in_a_terminal("", "--yes")
    assert done.returncode == 0 and "[y/N]" not in done.stdout, done.stdout + done.stderr
    assert "product" in tables(pg_url)


def _in_a_terminal(project: Path, env: dict[str, str], argv: list[str], answer: str | None) -> tuple[
        subprocess.CompletedProcess, str]:
    """Run ``python -m flask --app shopapp ARGV`` with a terminal on stdin; type ``answer`` once a prompt shows.

    Returns the finished process (its stderr starting with what was read before answering) and what the
    terminal echoed.
    """
    import pty
    import select

    main, terminal = pty.openpty()
    try:  # a new session has no /dev/tty: getpass reads the terminal on stdin, with echo off
        child = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "shopapp", *argv], cwd=project, env=env,
            stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        prompt = b""
        if answer is not None:
            while b": " not in prompt and select.select([child.stderr], [], [], 60)[0]:
                byte = os.read(child.stderr.fileno(), 1)  # answer once asked: getpass flushes earlier input
                if not byte:  # it ended without asking
                    break
                prompt += byte
            os.write(main, f"{answer}\n".encode())
        stdout, stderr = child.communicate(timeout=120)
        echoed = b""
        while select.select([main], [], [], 0.2)[0]:
            echoed += os.read(main, 4096)
    finally:
        os.close(main)
        os.close(terminal)
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout.decode(), (prompt + stderr).decode())
    return done, echoed.decode(errors="replace")


def test_the_migration_password_is_asked_for_once_without_echo(mysql_url: str, mariadb_user: str, tmp_path: Path,
                                                              warm_python: Terminal):
    """DBSHIFT_MIGRATION_URL names a user but no password and the server wants one: 'flask db upgrade' in a
    terminal asks once, echoing nothing, however many connections the run opens."""
    import sqlalchemy as sa

    from flaskapps import USER_PASSWORD

    project = tmp_path / "project"
    project.mkdir()
    (project / "shopapp.py").write_text(APP)
    flask = Flask(project, mysql_url, f"sqlite:///{tmp_path / 'audit.db'}", warm_python)
    privileged = sa.engine.make_url(mysql_url).set(username=mariadb_user, password=None)
    flask.env["SHOP_MIGRATION_URL"] = privileged.render_as_string(hide_password=False)
    flask("db", "init")
    flask("db", "revision", "-m", "by hand")  # needs no database, so no password

    done, echoed = _in_a_terminal(project, flask.env, ["db", "upgrade"], USER_PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.startswith(f"Password for mysql+pymysql://{mariadb_user}@127.0.0.1")
    assert done.stderr.count("Password for") == 1, "asked once"
    assert "Now at" in done.stdout
    for text in (done.stdout, done.stderr, echoed):
        assert USER_PASSWORD not in text
    assert len(history_rows(mysql_url)) == 1

    # at start-up too: the app upgrades every bind in-process, asking once
    flask("db", "revision", "-m", "second")
    done, echoed = _in_a_terminal(project, {**flask.env, "SHOP_ON_START": "upgrade"}, ["hello"], USER_PASSWORD)
    assert done.returncode == 0 and done.stdout == "started\n", done.stdout + done.stderr
    assert done.stderr.count("Password for") == 1 and USER_PASSWORD not in done.stderr + echoed
    assert len(history_rows(mysql_url)) == 2


def test_no_password_is_asked_when_the_server_does_not_want_one(pg_url: str, tmp_path: Path, warm_python: Terminal):
    """Trust authentication (like peer, .pgpass or $PGPASSWORD): a terminal, and still no question."""
    import sqlalchemy as sa

    project = tmp_path / "project"
    project.mkdir()
    (project / "shopapp.py").write_text(APP)
    flask = Flask(project, pg_url, f"sqlite:///{tmp_path / 'audit.db'}", warm_python)
    privileged = sa.engine.make_url(pg_url).set(username="postgres", password=None)
    flask.env["SHOP_MIGRATION_URL"] = privileged.render_as_string(hide_password=False)
    flask("db", "init")
    flask("db", "migrate", "-m", "initial")

    done, _ = _in_a_terminal(project, flask.env, ["db", "upgrade"], None)
    assert done.returncode == 0 and "Now at" in done.stdout, done.stdout + done.stderr
    assert "Password" not in done.stderr
    assert "product" in tables(pg_url)

"""The first hour, as a new user lives it: real ``dbshift`` and ``flask db`` processes in a fresh directory,
their output on a terminal.

Each journey checks what that person would notice: every command that connects names its database, no
command shows a traceback, every command the output tells them to run works when they run it, and the
database (read directly) ends as the journey says.  The README's tour is run as written.
"""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
import tomllib
from pathlib import Path

import pytest

from terminal import ROOT, Seen, Terminal, environment, on_terminal

MODELS = '''
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
'''

WITH_PRICE = MODELS + '''    price: Mapped[int] = mapped_column(server_default="0")
'''

#: the commands that read or change the database (and so name it on a terminal), by their first words
CONNECTING = ("upgrade", "downgrade", "current", "history", "check", "stamp", "accept", "rebase", "lint",
              "revision --autogenerate", "migrate", "show current", "show -")


def connects(argv: tuple[str, ...]) -> bool:
    words = " ".join(argv[2:] if argv[0] == "flask" else argv[1:])
    if "--sql" in argv[1:] and words.split()[0] in ("upgrade", "downgrade") or "--all" in argv or "--json" in argv:
        return False
    return words.startswith(CONNECTING)


def told_to_run(text: str, program: str = "dbshift") -> list[str]:
    """The commands an output tells its reader to run: quoted (``'dbshift upgrade'``) or after ``Next:``."""
    quoted = re.findall(rf"'({re.escape(program)} [^']+)'", text)
    following = re.findall(rf"^Next: ({re.escape(program)} .+?)(?: \(|$)", text, re.M)
    return [c for c in quoted + following if not re.search(r"<|\bREV\b|MESSAGE|START|--help", c)]


class Journey:
    """One person's terminal in a fresh project directory: runs commands, checks what every one of them shows."""

    def __init__(self, terminal: Terminal, root: Path, **env: str) -> None:
        self.terminal, self.root, self.home = terminal, root, root.parent / "home"
        self.root.mkdir(parents=True, exist_ok=True)
        self.env = environment(self.home, **env)
        self.ran: list[str] = []
        self.told: list[tuple[int, str]] = []  # (how many commands had run, a command an output told to run)

    def __call__(self, command: str, *, expect: int = 0, database: str | None = None, cold: bool = False) -> Seen:
        """Run ``command`` (as typed); ``database``: the text that names its database, when it connects;
        ``cold``: from a cold start (a new Python, as the shell starts it)."""
        argv = shlex.split(command)
        seen = on_terminal(argv, self.root, self.env) if cold else self.terminal.run(argv, self.root, self.env)
        assert seen.code == expect, f"$ {command}\n{seen.text}"
        assert "Traceback" not in seen.text and "unexpected" not in seen.text, f"$ {command}\n{seen.text}"
        if expect not in (0, 2):
            assert len(seen.text.strip().splitlines()) <= 2, f"a failure is one line:\n{seen.text}"
        if database is not None and connects(seen.argv):
            assert f"Database: {database}" in seen.text, f"$ {command} does not name its database:\n{seen.text}"
        self.ran.append(" ".join(argv))
        self.told += [(len(self.ran), c) for c in told_to_run(seen.text, "flask db" if argv[0] == "flask" else "dbshift")]
        return seen

    def follow(self, *, database: str | None = None, skip: tuple[str, ...] = ()) -> None:
        """Run each command the outputs told the reader to run that the journey has not run since: each must work."""
        for when, command in list(self.told):
            if " ".join(shlex.split(command)) not in self.ran[when:] and not command.startswith(skip):
                expect = 2 if command.split()[1:2] == ["check"] else 0
                self(command, expect=expect, database=database)


def tour(heading: str) -> list[str]:
    """The command lines of the first indented block under ``heading`` in the README, comments left out;
    a line ``# ... edit the models ...`` stays as ``# edit``."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(heading):]
    lines, started = [], False
    for line in section.splitlines()[1:]:
        if line.startswith("    "):
            started = True
            item = line.strip()
            if item.startswith("# ... edit"):
                lines.append("# edit")
            elif item.startswith(("dbshift ", "flask ")):
                lines.append(_without_comment(item))
        elif started and line.strip():
            break
    return lines


def _without_comment(line: str) -> str:
    words = shlex.split(line, comments=True)
    return " ".join(shlex.quote(w) for w in words)


def _columns(db: Path, table: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def make_shop(root: Path) -> None:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1.0"\n')


# --- the README's tour: plain SQLAlchemy, the embedded database ------------------------------------------


def test_the_readme_tour_on_the_embedded_database(terminal: Terminal, tmp_path: Path):
    you = Journey(terminal, tmp_path / "shop")
    make_shop(you.root)
    embedded = you.home / ".local" / "share" / "shop" / "main.db"
    named = f"sqlite:///{embedded} (the embedded default of app 'shop'"
    commands = tour("## The workflow")
    assert commands[:3] == ["dbshift init", "dbshift revision --autogenerate -m initial", "dbshift upgrade"]
    seen: dict[str, Seen] = {}
    for command in commands:
        if command == "# edit":
            (you.root / "shop" / "models.py").write_text(WITH_PRICE)
            continue
        seen[command] = you(command, database=named, cold=not seen)

    assert 'app = "shop"' in (you.root / "pyproject.toml").read_text(), "init writes the name of the embedded database"
    assert f"Database: {named}" in seen["dbshift init"], "init says which database the project will use"
    assert "price" in _columns(embedded, "product"), "the tour ends with the price column applied"
    show = seen["dbshift show"].text
    assert "ALTER TABLE product ADD COLUMN price" in show and "Downgrade:\n" in show and "DROP COLUMN price" in show
    assert "Would apply" in seen["dbshift upgrade --dry-run"] and "ADD COLUMN price" in seen["dbshift upgrade --dry-run"]
    history = seen["dbshift history -v"].text
    assert "created: " in history and "applied: " in history and " ms by pid " in history
    assert "initial" in seen["dbshift show -1"] and "CREATE TABLE product" in seen["dbshift show -1"]
    assert "DROP COLUMN price" in seen["dbshift downgrade --sql head:-1"]
    state = json.loads(seen["dbshift current --json"].text.splitlines()[-1])
    assert state["database"] == {"url": f"sqlite:///{embedded}", "source": "default"} and state["up_to_date"]

    you.follow(database=named)  # e.g. 'dbshift show <the data fix>' and 'dbshift upgrade' after the last revision
    assert any(c.startswith("dbshift show 2") for c in you.ran), you.told


# --- a Flask app --------------------------------------------------------------------------------------------

FLASK_APP = '''
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from dbshift.flask import Migrate

db = SQLAlchemy()


class Product(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["SHOP_DATABASE_URL"]
    db.init_app(app)
    Migrate(app, db)
    return app
'''


def test_a_flask_app_from_init_to_downgrade(terminal: Terminal, tmp_path: Path):
    database = tmp_path / "shop" / "shop.db"
    you = Journey(terminal, tmp_path / "shop", FLASK_APP="shop", SHOP_DATABASE_URL=f"sqlite:///{database}")
    (you.root / "shop.py").write_text(FLASK_APP)
    named = f"sqlite:///{database} (from SQLALCHEMY_DATABASE_URI in the app's config)"
    you("flask db init", cold=True)
    you('flask db migrate -m "initial"', database=named)
    you("flask db upgrade", database=named)
    assert "product" in _tables(database)
    show = you("flask db show").text
    assert "CREATE TABLE product" in show and "DROP TABLE product" in show
    assert "applied: " in you("flask db history -v", database=named)
    check = json.loads(you("flask db check --json").text.splitlines()[-1])
    assert check["ok"] and check["database"]["url"] == f"sqlite:///{database}"
    you("flask db downgrade", database=named)
    assert "product" not in _tables(database)
    seed = Path(you('flask db revision --sql -m "seed"').text.split("Wrote ", 1)[1].split()[0])
    seed.write_text(seed.read_text() + "INSERT INTO product (name) VALUES ('first');\n-- down\nDELETE FROM product;\n")
    you.follow(database=named)  # the new migration says: show it, then upgrade
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM product").fetchall() == [("first",)]


# --- a SQL-first team ------------------------------------------------------------------------------------


def test_a_sql_first_project_without_models(terminal: Terminal, tmp_path: Path):
    you = Journey(terminal, tmp_path / "sq", DBSHIFT_URL="sqlite:///prod.db")
    (you.root / "pyproject.toml").write_text('[project]\nname = "sq"\nversion = "0"\n')
    prod, dev = you.root / "prod.db", you.root / "dev.db"
    named = "sqlite:///" + str(prod) + " (from $DBSHIFT_URL)"
    commands = tour("### SQL-first projects")
    assert commands[0] == "dbshift init --no-models"
    seen: dict[str, Seen] = {}
    for command in commands:
        if command.startswith("dbshift diff"):  # a developer's database has moved on: a column, and one table fewer
            with sqlite3.connect(dev) as conn:
                conn.executescript("CREATE TABLE users (id integer PRIMARY KEY, email text, name text);")
        seen[command] = you(command, expect=0, database=named)
        if command.startswith("dbshift revision --sql"):
            written = Path(seen[command].text.split("Wrote ", 1)[1].split()[0])
            header = written.read_text()
            assert header.startswith("-- revision: ") and "-- parents:" in header and "-- message: create users" in header
            written.write_text(header + "CREATE TABLE users (id integer PRIMARY KEY, email text);\n"
                               "CREATE TABLE scratch (id integer);\nVACUUM;\n-- down\nDROP TABLE scratch;\nDROP TABLE users;\n")

    assert "metadata" not in tomllib.loads((you.root / "pyproject.toml").read_text())["tool"]["dbshift"]
    assert "(outside a transaction) VACUUM" in seen["dbshift upgrade --dry-run"]
    assert {"users", "scratch"} <= _tables(prod)
    show = seen["dbshift show"].text
    assert "CREATE TABLE users (id integer PRIMARY KEY, email text)" in show and "DROP TABLE users" in show
    diff = next(c for c in commands if c.startswith("dbshift diff"))
    migration = Path(seen[diff].text.split("Wrote ", 1)[1].split()[0])
    assert migration.suffix == ".sql" and "-- down" in migration.read_text()
    assert "No unsafe operations" in seen["dbshift lint --all"], "the table the diff drops holds no row in prod"
    assert "DROP TABLE scratch" in seen[diff].text or "drop table scratch" in seen[diff].text
    you.follow(database=named)  # the diff says: show it, then upgrade
    assert "scratch" not in _tables(prod) and "name" in _columns(prod, "users"), "prod caught up with dev"
    you(f"dbshift diff sqlite:///{prod} sqlite:///{dev}")  # exit 0: nothing left between them
    assert "The history is in order" in you("dbshift check", database=named)


# --- a forked history: two developers, two databases ---------------------------------------------------------


def test_a_forked_history_joined_as_the_advice_says(terminal: Terminal, tmp_path: Path):
    alice, bob = tmp_path / "shop" / "alice.db", tmp_path / "shop" / "bob.db"
    you = Journey(terminal, tmp_path / "shop", DBSHIFT_URL=f"sqlite:///{alice}")
    make_shop(you.root)
    as_bob = f"--url sqlite:///{bob}"
    you("dbshift init")
    you('dbshift revision --autogenerate -m "initial"', database=f"sqlite:///{alice}")
    you("dbshift upgrade", database=f"sqlite:///{alice}")
    # each on a branch of their own: alice's migration is not in bob's checkout when he writes his
    mine = _sql_migration(you, "orders", "CREATE TABLE orders (id integer PRIMARY KEY);", "DROP TABLE orders;")
    you("dbshift upgrade", database=f"sqlite:///{alice}")
    aside = mine.rename(you.root / "aside.sql")
    theirs = _sql_migration(you, "tags", "CREATE TABLE tags (id integer PRIMARY KEY);", "DROP TABLE tags;")
    you(f"dbshift upgrade {as_bob}", database=f"sqlite:///{bob}")
    aside.rename(mine)  # the branches are merged: two heads

    assert "Not applied: head " in you("dbshift current", database=f"sqlite:///{alice}")
    graph = you("dbshift history").text
    assert "|/" in graph and "o " in graph, graph
    stopped = you("dbshift upgrade", expect=1).text
    assert "'dbshift merge'" in stopped and "while no database has applied" in stopped and "'dbshift accept " in stopped
    rebase = next(c for c in told_to_run(stopped) if c.startswith("dbshift rebase"))
    moved = rebase.split()[2]
    assert moved == theirs.name.split("_tags")[0], "the advice moves the head this database has not applied"
    out = you(rebase, database=f"sqlite:///{alice}").text
    assert f"'dbshift accept {moved}' there" in out
    you("dbshift upgrade", database=f"sqlite:///{alice}")
    edited = you(f"dbshift upgrade {as_bob}", expect=1).text
    assert "edited after it was applied" in edited and f"accept {moved}" in edited
    you(f"dbshift accept {moved} {as_bob}", database=f"sqlite:///{bob}")
    you(f"dbshift upgrade {as_bob}", database=f"sqlite:///{bob}")
    assert {"orders", "tags"} <= _tables(alice) and {"orders", "tags"} <= _tables(bob)
    assert "|" not in you("dbshift history").text, "the history is linear again"
    for url in (alice, bob):  # the tables were written in SQL, not in the models: only they differ
        report = json.loads(you(f"dbshift check --json --url sqlite:///{url}", expect=2).text.splitlines()[-1])
        assert report["problems"] == [] and report["database"]["url"] == f"sqlite:///{url}"


def _sql_migration(you: Journey, message: str, up: str, down: str) -> Path:
    """``dbshift revision --sql`` and the SQL a person writes into it."""
    path = Path(you(f'dbshift revision --sql -m "{message}"').text.split("Wrote ", 1)[1].split()[0])
    path.write_text(path.read_text() + f"{up}\n-- down\n{down}\n")
    return path


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory):
    """One warm process for the module's journeys: each command still runs in a process of its own."""
    term = Terminal(environment(tmp_path_factory.mktemp("home")))
    yield term
    term.close()

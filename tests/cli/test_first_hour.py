"""What a new user meets in the first hour, command by command (in-process, fast): which database, SQL-first
projects, ``show``, history and branches, and failures that say where.  The journeys as real processes are
in test_journeys.py."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import Project, rev_id  # noqa: E402

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


class Terminal(io.StringIO):
    """A stream that says it is a terminal: what a person at one would see."""

    def isatty(self) -> bool:
        return True


class Shop:
    """A project with models in ``shop/models.py``; runs ``dbshift`` in-process against ``url``."""

    def __init__(self, root: Path, url: str | None) -> None:
        self.root, self.url = root, url
        (root / "shop").mkdir(parents=True)
        (root / "shop" / "__init__.py").write_text("")
        (root / "shop" / "models.py").write_text(MODELS)
        (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')

    def __call__(self, *argv: str, expect: int = 0, terminal: bool = False) -> str:
        out, err = io.StringIO(), (Terminal() if terminal else io.StringIO())
        for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
            del sys.modules[name]
        previous = Path.cwd()
        os.chdir(self.root)
        try:
            code = main([*argv, "--url", self.url] if self.url and argv[0] not in ("init", "diff") else list(argv),
                        out, err, io.StringIO())
        finally:
            os.chdir(previous)
        text = out.getvalue() + err.getvalue()
        assert code == expect, f"dbshift {' '.join(argv)} exited {code}:\n{text}"
        assert "Traceback" not in text and "unexpected" not in text, text
        return text

    def write(self, models: str) -> None:
        (self.root / "shop" / "models.py").write_text(models)

    def newest(self) -> Path:
        return sorted((self.root / "migrations").glob("2*"))[-1]


@pytest.fixture
def shop(tmp_path: Path, sqlite_url: str) -> Shop:
    yield Shop(tmp_path / "shop", sqlite_url)
    sys.path[:] = [p for p in sys.path if p != str(tmp_path / "shop")]


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


# --- which database ------------------------------------------------------------------------------------------


def test_a_terminal_is_told_the_database_once_and_json_carries_it_masked(pg_url: str, tmp_path: Path):
    url = sa.engine.make_url(pg_url).set(password="hunter2-secret").render_as_string(hide_password=False)
    shop = Shop(tmp_path / "shop", url)
    shop("init")
    shop("revision", "--autogenerate", "-m", "initial")
    out = shop("upgrade", terminal=True)
    assert out.count("Database: postgresql+psycopg://postgres:***@127.0.0.1:5432/") == 1 and "(from --url)" in out
    assert "Database:" not in shop("upgrade"), "piped or captured output stays as it was"
    for command in ("current", "history", "heads", "check", "show"):
        text = shop(command, "--json", terminal=True)
        data = json.loads(text)
        assert data["database"]["url"].startswith("postgresql+psycopg://postgres:***@") and "hunter2" not in text
        assert "Database:" not in text, "JSON alone: the object names the database"
    run = [json.loads(line) for line in shop("upgrade", "--json").splitlines()]
    assert run[-1]["database"]["url"].endswith(sa.engine.make_url(pg_url).database)


def test_init_writes_the_embedded_database_name_and_refuses_what_would_fail_later(tmp_path: Path):
    shop = Shop(tmp_path / "shop", None)
    out = shop("init", "--metadata", "none", expect=1)
    assert "--no-models" in out and "[tool.dbshift]" not in (shop.root / "pyproject.toml").read_text()
    shop("init", "--no-models", "--metadata", "shop.models:Base.metadata", expect=2)  # one or the other
    bare = Shop(tmp_path / "bare", None)
    (bare.root / "shop" / "models.py").write_text("x = 1\n")
    assert "dbshift init --no-models" in bare("init", expect=1), "no models found: the way without them is named"
    out = shop("init", "--app", "shopfront")
    assert 'app = "shopfront"' in (shop.root / "pyproject.toml").read_text()
    assert "shopfront/main.db (the embedded default of app 'shopfront'" in out


# --- SQL-first ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_revision_sql_autogenerate_holds_the_ddl_of_the_configured_database(server: str, request, tmp_path: Path):
    url = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")
    shop = Shop(tmp_path / "shop", url)
    shop("init")
    out = shop("revision", "--autogenerate", "--sql", "-m", "initial")
    text = shop.newest().read_text()
    assert shop.newest().suffix == ".sql" and "create table product" in out
    assert ("SERIAL" in text) if server == "postgresql" else ("AUTO_INCREMENT" in text), text
    assert "-- down\nDROP TABLE product;" in text and "note:" not in out, "nothing left out of the file"
    shop("upgrade")
    assert "product" in _tables(url) and "matches" in shop("check")
    shop("downgrade", "base")
    assert "product" not in _tables(url), "the -- down section takes it back"


def test_a_sql_file_says_what_it_cannot_do_that_a_run_would(shop: Shop):
    shop("init")
    shop("revision", "--autogenerate", "-m", "initial")
    shop("upgrade")
    shop.write(MODELS.replace("String(100))", "String(100), nullable=True)"))  # SQLite: a table rebuild
    out = shop("revision", "--autogenerate", "--sql", "-m", "relax")
    assert "note: " in out and "re-creating the triggers of a rebuilt table" in out
    shop("upgrade")
    assert "matches" in shop("check")


def test_a_sql_migration_without_a_down_section_says_so_and_names_its_file(sqlite_url: str, tmp_path: Path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY, note text)", "INSERT INTO a VALUES (1, 'x; y')")
    project.cli("upgrade")
    out = project.cli("downgrade", "-1", expect=1)
    assert str(project.files[1]) in out and "has no '-- down' section" in out and "IrreversibleOperation" not in out
    show = project.cli("show", "head")
    assert "INSERT INTO a VALUES (1, 'x; y')" in show, "every statement, in full"
    assert "Downgrade: none: " in show and "'-- down'" in show


def test_lint_hints_use_the_form_of_the_file_they_flag(sqlite_url: str, tmp_path: Path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", down=("DROP TABLE a",))
    project.add_sql("DROP TABLE a")
    out = project.cli("lint", "--all", expect=2)
    assert "-- lint_ignore: CODE why in its .sql file" in out and "lint_ignore = {" not in out
    project.add_python("upgrade = [DropTable(Table('b', (Column('id', 'integer'),)))]\n")
    out = project.cli("lint", rev_id(3), expect=2)
    assert 'lint_ignore = {"CODE": "why"} in its migration' in out and "-- lint_ignore" not in out


def test_offline_ranges_take_what_alembic_users_type(sqlite_url: str, tmp_path: Path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", down=("DROP TABLE a",))
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)", down=("DROP TABLE b",))
    back = project.cli("downgrade", "--sql", f"head:{rev_id(1)}")
    assert "DROP TABLE b" in back and "DROP TABLE a" not in back
    everything = project.cli("downgrade", "--sql", "head:base")
    assert everything.index("DROP TABLE b") < everything.index("DROP TABLE a")
    assert "DROP TABLE b" in project.cli("downgrade", "--sql", "head:-1")
    assert "CREATE TABLE b" in project.cli("upgrade", "--sql", f"{rev_id(1)}:head")
    assert "reads no database" in project.cli("downgrade", "--sql", "current:base", expect=1)
    assert _tables(sqlite_url) == set(), "offline scripts change nothing"


# --- show -----------------------------------------------------------------------------------------------------


def test_show_names_revisions_as_every_command_does_and_prints_both_directions(shop: Shop):
    shop("init")
    shop("revision", "--autogenerate", "-m", "initial")
    shop.write(MODELS + '    sku: Mapped[str] = mapped_column(String(20), default="none")\n')
    shop("upgrade")
    sqlite3.connect(shop.url.removeprefix("sqlite:///")).executescript("INSERT INTO product (name) VALUES ('old');")
    out = shop("revision", "--autogenerate", "-m", "sku")
    assert "alter column product.sku (set NOT NULL)" in out, "a nullability change is named as what it does"
    assert "fails if any row holds NULL" not in out, "no warning about NULLs right after the step that fills them"
    head = shop("show")
    assert head == shop("show", "head") and "Message:  sku" in head
    assert "UPDATE product SET sku = 'none' WHERE sku IS NULL" in " ".join(head.split())
    assert "Downgrade:\n" in head and "fails if any row" not in head
    assert "Message:  initial" in shop("show", "head-1")
    shop("upgrade", "+1")
    assert "Message:  sku" in shop("show", "current") and "Message:  initial" in shop("show", "-1")
    assert "names no single revision" in shop("show", "-2", expect=1)


# --- history, branches ------------------------------------------------------------------------------------------


def test_a_fork_is_drawn_named_by_current_and_explained(sqlite_url: str, tmp_path: Path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", down=("DROP TABLE a",))
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)", down=("DROP TABLE b",))
    project.cli("upgrade")
    third = project.add_sql("CREATE TABLE c (id integer PRIMARY KEY)", down=("DROP TABLE c",))
    project.files[3].write_text(project.files[3].read_text().replace(f"parents: {rev_id(2)}", f"parents: {rev_id(1)}"))
    current = project.cli("current")
    assert f"Not applied: head {third}" in current
    history = project.cli("history", "-v")
    lines = history.splitlines()
    assert lines[0].startswith(f"o    {third}") and lines[-2] == "(* applied, o not applied)"
    assert lines[-1].startswith("The history has 2 heads: merge them with 'dbshift merge'"), "and what to do about it"
    assert "|/" in history and any(line.startswith("| *  " + rev_id(2)) for line in lines), history
    assert any(line.startswith("| |  applied: ") for line in lines), "details stay in their lane"
    stopped = project.cli("upgrade", expect=1)
    assert "merge them with 'dbshift merge' (safe wherever either branch was applied)" in stopped
    assert f"while no database has applied {third} yet" in stopped and f"'dbshift accept {third}'" in stopped
    entries = json.loads(project.cli("history", "--json"))["revisions"]
    assert [e["revision"] for e in entries if e["applied"]] == [rev_id(2), rev_id(1)]
    assert all(e["applied_at"].endswith("+00:00") for e in entries if e["applied"])
    project.cli("upgrade", "heads")
    both = project.cli("check", expect=2)
    assert "'dbshift merge'" in both and "'dbshift rebase" not in both, "both applied here: only a merge joins them"


# --- failures that say where ----------------------------------------------------------------------------------


def test_models_that_do_not_import_name_the_file_and_line(shop: Shop):
    shop("init")
    (shop.root / "shop" / "helpers.py").write_text("\n\nimport sqlalchemy_extras_not_installed\n")
    shop.write("from shop import helpers  # noqa\n" + MODELS)
    out = shop("check", expect=1)
    assert "shop/helpers.py, line 3: ModuleNotFoundError: No module named 'sqlalchemy_extras_not_installed'" in out


def test_check_names_a_pending_migration_that_does_not_load(sqlite_url: str, tmp_path: Path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", down=("DROP TABLE a",))
    project.cli("upgrade")
    project.add_python("upgrade = [RunSQL('SELECT 1')]\nhelper = undefined_name\n")
    out = project.cli("check", expect=2)
    assert f"pending migration {project.files[2]} does not load: line 8: NameError" in out
    assert "no models to compare" not in out and "1 migration(s) not applied" in out


def _drawn(nodes: list[tuple[str, tuple[str, ...], bool]]) -> list[str]:
    from dbshift.console.lanes import graph_rows

    lines = []
    for (before, node, _), (rev, _, _) in zip(graph_rows(nodes), nodes, strict=True):
        lines += before + [(node + rev).rstrip()]
    return lines


def test_the_graph_is_drawn_as_git_log_graph_draws_it():
    merged = [("m", ("a", "b"), True), ("b", ("r",), False), ("a", ("r",), True), ("r", (), True)]
    assert _drawn(merged) == ["*    m", "|\\", "| o  b", "* |  a", "|/", "*    r"]
    three = [("c", ("r",), False), ("b", ("r",), False), ("a", ("r",), True), ("r", (), True)]
    assert _drawn(three) == ["o      c", "| o    b", "| | *  a", "|_|/", "|/", "*      r"]
    second_root = [("m", ("a", "x"), False), ("x", (), False), ("a", (), True)]
    assert _drawn(second_root) == ["o    m", "|\\", "| o  x", "*    a"], "a lane ends at its first revision"

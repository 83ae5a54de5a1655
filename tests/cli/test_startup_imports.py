"""A command that touches no database imports neither SQLAlchemy nor a driver; one that only reads the
history imports its driver alone.  Each command runs as a user runs it, in a process of its own, and the
test reads that process's ``sys.modules`` when the command is done."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
DRIVERS = {"sqlite3", "_sqlite3", "psycopg", "psycopg2", "pymysql"}
HEAVY = {"sqlalchemy"} | DRIVERS
SCHEMA = {"dbshift.core.model", "dbshift.core.ops"}

RUN = """\
import json, sys
from dbshift.cli.process import run as run_dbshift
report, sys.argv = sys.argv[1], ["dbshift", *sys.argv[2:]]
code = 0
try:
    run_dbshift(quick_exit=False)  # as python -m dbshift, but returning here
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
with open(report, "w") as f:
    json.dump({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules}),
               "in_full": sorted(m for m in sys.modules if m.startswith(("dbshift.", "sqlalchemy.dialects.")))}, f)
"""


def run(cwd: Path, *args: str) -> tuple[int, set[str], str]:
    """Exit code, the top-level modules loaded (and dbshift's own and SQLAlchemy's dialects, in full), and stderr
    of ``dbshift ARGS`` run in ``cwd``."""
    report = cwd / ".modules.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("DBSHIFT_URL", None)
    done = subprocess.run([sys.executable, "-c", RUN, str(report), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    loaded = json.loads(report.read_text())
    report.unlink()
    return loaded["code"], set(loaded["modules"]) | set(loaded["in_full"]), done.stdout + done.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "shop"\n\n[tool.dbshift]\nmigrations = "migrations"\nurl = "sqlite:///{tmp_path}/shop.db"\n'
    )
    (root / "migrations").mkdir()
    return root


def light(cwd: Path, *args: str, code: int = 0) -> str:
    """Run a command that must load neither SQLAlchemy nor a driver; its output."""
    exit_code, modules, output = run(cwd, *args)
    assert exit_code == code, output
    assert not modules & HEAVY, f"dbshift {' '.join(args)} loaded {sorted(modules & HEAVY)}"
    return output


def test_commands_that_touch_no_database_load_neither_sqlalchemy_nor_a_driver(project: Path, tmp_path: Path):
    assert "usage: dbshift" in light(project, "--help")
    assert light(project, "--version").startswith("dbshift ")
    for command in ("upgrade", "current", "history", "revision", "init"):
        assert f"usage: dbshift {command}" in light(project, command, "--help")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "pyproject.toml").write_text('[project]\nname = "fresh"\n')
    light(fresh, "init", "--no-models")
    assert "[tool.dbshift]" in (fresh / "pyproject.toml").read_text()

    light(project, "revision", "-m", "first")
    light(project, "revision", "--sql", "-m", "second")
    (first,) = [p for p in (project / "migrations").iterdir() if p.suffix == ".py"]
    first_id = first.name.split("_first")[0]
    light(project, "heads")
    heads = json.loads(light(project, "heads", "--json").splitlines()[0])
    assert len(heads["heads"]) == 1

    # a second branch on the first migration: two heads, then put back in line
    (project / "migrations" / "20990101000000_beef_side.sql").write_text(
        f"-- revision: 20990101000000_beef\n-- parents: {first_id}\n-- message: side\nSELECT 1;\n")
    assert "20990101000000_beef" in light(project, "heads", "-v")
    light(project, "rebase", "20990101000000_beef", "--no-db-check")
    assert "nothing to merge" in light(project, "merge", code=1)


@pytest.mark.parametrize("path", ["absolute", "relative"])
def test_commands_that_only_read_the_history_load_the_driver_alone(project: Path, path: str):
    if path == "relative":  # sqlite:///shop.db, a file beside pyproject.toml, as most projects write it
        (project / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\nurl = "sqlite:///shop.db"\n')
    light(project, "revision", "--sql", "-m", "first")
    code, _, output = run(project, "upgrade")  # the first run creates the history table: SQLAlchemy does that
    assert code == 0, output
    for args in (["current"], ["current", "--json"], ["history"], ["history", "-v"], ["upgrade"]):
        code, modules, output = run(project, *args)
        assert code == 0, output
        assert "sqlalchemy" not in modules, f"dbshift {' '.join(args)} loaded SQLAlchemy"
        assert modules & DRIVERS == {"sqlite3", "_sqlite3"}, (args, sorted(modules & DRIVERS))
        # nor the schema model and its operations: the history is revisions and rows
        assert not modules & SCHEMA, f"dbshift {' '.join(args)} loaded {sorted(modules & SCHEMA)}"
        # nor other commands' results and parsers: defining them is most of what such a command would cost more
        assert "dbshift.api.results" not in modules, f"dbshift {' '.join(args)} defined every command's results"
    assert "Nothing to do" in output
    if path == "relative":
        assert (project / "shop.db").stat().st_size > 0


MIGRATION = '''\
from dbshift.migration import *  # noqa: F401,F403

revision = "20260101000000_0001"
parents = ()
message = "documents"

upgrade = [CreateTable(Table("doc", (Column("id", "integer", nullable=False), {column}), primary_key=PrimaryKey(("id",))))]
'''


def test_a_run_imports_the_dialect_modules_its_migrations_name_and_no_other(project: Path, tmp_path: Path):
    migrations = project / "migrations"
    (migrations / "20260101000000_0001_documents.py").write_text(
        MIGRATION.format(column='Column("body", "text")'))
    code, modules, output = run(project, "upgrade")
    assert code == 0, output
    dialects = {m.split(".")[2] for m in modules if m.startswith("sqlalchemy.dialects.") and not m.endswith("_typing")}
    assert dialects == {"sqlite"}, sorted(dialects)

    # a migration naming another database's type still runs here, its dialect imported when it is named
    (project / "pyproject.toml").write_text(
        f'[tool.dbshift]\nmigrations = "migrations"\nurl = "sqlite:///{tmp_path}/other.db"\n')
    (migrations / "20260101000000_0001_documents.py").write_text(MIGRATION.format(
        column='Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"))'))
    code, modules, output = run(project, "upgrade")
    assert code == 0, output
    assert "sqlalchemy.dialects.postgresql" in modules and "sqlalchemy.dialects.mysql" not in modules
    with sqlite3.connect(tmp_path / "other.db") as conn:
        assert [r[1] for r in conn.execute("PRAGMA table_info(doc)")] == ["id", "body"]


def test_the_history_keeps_long_plans_on_mariadb(mysql_url: str, tmp_path: Path):
    import sqlalchemy as sa

    root = tmp_path / "shop"
    (root / "migrations").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[tool.dbshift]\nmigrations = "migrations"\nurl = "{mysql_url}"\n')
    (root / "migrations" / "20260101000000_0001_documents.py").write_text(
        MIGRATION.format(column='Column("body", "text")'))
    code, _, output = run(root, "upgrade")
    assert code == 0, output
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        plan_type = conn.exec_driver_sql(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = 'dbshift_history' AND column_name = 'plan'").scalar()
    engine.dispose()
    assert plan_type == "longtext"


def test_diff_of_two_postgresql_databases_imports_sqlalchemy_only_to_write_changes(postgres_server, tmp_path: Path):
    a, b = postgres_server.create(), postgres_server.create()
    try:
        for url in (a, b):
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE item (id integer PRIMARY KEY, name text NOT NULL)")
            engine.dispose()
        code, modules, output = run(tmp_path, "diff", a, b)
        assert (code, output) == (0, "")
        assert "psycopg" in modules and "sqlalchemy" not in modules, sorted(modules & HEAVY)

        engine = sa.create_engine(b, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE item ADD COLUMN price numeric(10, 2)")
        engine.dispose()
        code, modules, output = run(tmp_path, "diff", a, b)
        assert code == 2 and "ALTER TABLE item ADD COLUMN price NUMERIC(10, 2);" in output, output
        assert "sqlalchemy" in modules  # SQL is written by SQLAlchemy's compiler
    finally:
        postgres_server.drop(a)
        postgres_server.drop(b)

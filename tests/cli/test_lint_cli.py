"""``dbshift lint`` through ``main(argv)`` on SQLite and PostgreSQL projects with hand-written migrations."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from dbshift.cli import main

FIRST = '''from dbshift.migration import *  # noqa: F401,F403

revision = "0001"
parents = ()
upgrade = [
    CreateTable(Table("product", (Column("id", "integer", nullable=False), Column("name", "varchar(50)")),
                      primary_key=PrimaryKey(("id",)))),
    CreateIndex("product", Index("ix_product_name", ("name",))),
]
'''

SECOND = '''from dbshift.migration import *  # noqa: F401,F403

revision = "0002"
parents = ("0001",)
upgrade = [
    CreateIndex("product", Index("ix_product_id_name", ("id", "name"))),
    AlterColumn("product", Column("name", "varchar(50)"), Column("name", "varchar(50)", nullable=False)),
]
'''

THIRD = """-- revision: 0003
-- parents: 0001 0002
-- message: clear products
DELETE FROM product;
"""


class Run:
    def __init__(self, root: Path, url: str) -> None:
        self.root, self.url = root, url

    def __call__(self, *argv: str, expect: int = 0) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        previous = Path.cwd()
        os.chdir(self.root)
        try:
            code = main(["--url", self.url, "-d", "migrations", *argv], out, err)
        finally:
            os.chdir(previous)
        assert code == expect, f"dbshift {' '.join(argv)} exited {code}:\n{out.getvalue()}{err.getvalue()}"
        if code == 1:
            assert len(err.getvalue().strip().splitlines()) == 1 and "Traceback" not in err.getvalue()
        return out.getvalue(), err.getvalue()


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request, tmp_path: Path) -> Run:
    url = f"sqlite:///{tmp_path / 'lint.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    (tmp_path / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_products.py").write_text(FIRST)
    (migrations / "0002_name_required.py").write_text(SECOND)
    (migrations / "0003_clear.sql").write_text(THIRD.replace("0001 0002", "0002"))
    return Run(tmp_path, url)


def _codes(out: str) -> list[tuple[str, str]]:
    return [tuple(line.split()[:2]) for line in out.splitlines() if line.startswith("000")]


UNREACHABLE = {"sqlite": "sqlite:////nonexistent-dir/lint.db", "postgresql": "postgresql://postgres@127.0.0.1:1/lint"}


def test_lint_all_names_unsafe_operations_per_dialect(project: Run):
    pg = project.url.startswith("postgresql")
    project.url = UNREACHABLE["postgresql" if pg else "sqlite"]
    out, _ = project("lint", "--all", expect=2)
    assert "Note: the database could not be read" in out and "statements alone" in out
    expected = [("0002", "DS106")] if pg else []
    assert _codes(out) == expected + [("0002", "DS104"), ("0003", "DS110")], out
    assert "0001" not in out, "an index on a table created in the same migration is fine"
    assert "heuristic" in out.splitlines()[-3] and "(" in out.splitlines()[-3]
    assert "concurrently=True" in out if pg else "concurrently" not in out


def test_on_the_database_a_table_an_earlier_pending_migration_creates_is_new(project: Run):
    out, _ = project("lint", "--all", expect=2)
    assert _codes(out) == [("0003", "DS110")], out
    assert "could not be read" not in out


def test_lint_defaults_to_unapplied_migrations(project: Run):
    project("lint", expect=2)
    project("upgrade")
    out, _ = project("lint")
    assert out.startswith("No unsafe operations in 0 migration(s)")
    out, _ = project("lint", "0003", expect=2)
    assert _codes(out) == [("0003", "DS110")]


def test_ignore_on_the_command_line_and_in_the_migration(project: Run):
    path = project.root / "migrations" / "0003_clear.sql"
    path.write_text(path.read_text().replace("-- message", "-- lint_ignore: DS110\n-- message"))
    out, _ = project("lint", "--all", "--ignore", "DS104", "--ignore", "DS106")
    assert "No unsafe operations in 3 migration(s)" in out
    second = project.root / "migrations" / "0002_name_required.py"
    second.write_text(second.read_text().replace('parents = ("0001",)', 'parents = ("0001",)\nlint_ignore = ("DS104", "DS106")'))
    out, _ = project("lint", "--all")
    assert "No unsafe operations" in out


def test_json_output(project: Run):
    out, _ = project("lint", "0003", "--json", expect=2)
    data = json.loads(out)
    assert data["revisions"] == ["0003"]
    assert [(f["code"], f["severity"], f["heuristic"]) for f in data["findings"]] == [("DS110", "error", True)]


def test_bad_input_is_one_line(project: Run):
    _, err = project("lint", "--ignore", "DS999", expect=1)
    assert "DS999" in err and "DS101" in err
    _, err = project("lint", "nope", expect=1)
    assert "nope" in err
    second = project.root / "migrations" / "0002_name_required.py"
    second.write_text(second.read_text().replace('parents = ("0001",)', 'parents = ("0001",)\nlint_ignore = ("DS1O4",)'))
    _, err = project("lint", "--all", expect=1)
    assert "DS1O4" in err and "0002_name_required.py" in err


MODELS = '''
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100){index})
'''


@pytest.fixture
def models_project(project: Run):
    import sys

    (project.root / "pyproject.toml").write_text(
        '[tool.dbshift]\nmigrations = "migrations_models"\nmetadata = "lintshop.models:Base.metadata"\n'
    )
    (project.root / "migrations_models").mkdir()
    (project.root / "lintshop").mkdir()
    (project.root / "lintshop" / "__init__.py").write_text("")
    (project.root / "lintshop" / "models.py").write_text(MODELS.format(index=""))
    yield project
    sys.path[:] = [p for p in sys.path if p != str(project.root)]
    for name in [m for m in sys.modules if m.startswith("lintshop")]:
        del sys.modules[name]


def test_autogenerate_shows_lint_findings(models_project: Run):
    import sys

    run = models_project
    out, _ = _in(run, "revision", "--autogenerate", "-m", "initial")
    assert "  lint DS" not in out, "a new table's index is fine"
    _in(run, "upgrade")
    (run.root / "lintshop" / "models.py").write_text(MODELS.format(index=", index=True"))
    for name in [m for m in sys.modules if m.startswith("lintshop")]:
        del sys.modules[name]
    out, _ = _in(run, "revision", "--autogenerate", "-m", "index name")
    assert "  lint DS" not in out, "an index on an empty table blocks nothing worth a warning"


def _in(run: Run, *argv: str) -> tuple[str, str]:
    """Run with the models project's own migrations directory."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(run.root)
    try:
        code = main(["--url", run.url, *argv], out, err)
    finally:
        os.chdir(previous)
    assert code == 0, out.getvalue() + err.getvalue()
    return out.getvalue(), err.getvalue()

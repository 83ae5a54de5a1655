"""The command line as a user types it, through ``main(argv)`` in-process and one real subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.cli import main

MODELS_V1 = '''
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
'''

MODELS_V2 = MODELS_V1 + '''
    price: Mapped[int] = mapped_column(server_default="0")


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)
'''.replace("sa.ForeignKey", "__import__('sqlalchemy').ForeignKey")


class Run:
    """Runs ``dbshift`` in-process in a project directory, capturing output."""

    def __init__(self, root: Path, url: str | None) -> None:
        self.root, self.url = root, url

    def __call__(self, *argv: str, expect: int = 0) -> str:
        out, err = io.StringIO(), io.StringIO()
        for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
            del sys.modules[name]
        args = (["--url", self.url] if self.url and argv[0] != "init" else []) + list(argv)
        previous = Path.cwd()
        os.chdir(self.root)
        try:
            code = main(args, out, err)
        finally:
            os.chdir(previous)
        text = out.getvalue() + err.getvalue()
        assert code == expect, f"dbshift {' '.join(argv)} exited {code}:\n{text}"
        if code not in (0, 2):
            assert len(err.getvalue().strip().splitlines()) == 1, f"errors must be one line:\n{err.getvalue()}"
            assert "Traceback" not in text
        return text


def make_project(root: Path) -> None:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS_V1)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Run:
    root = tmp_path / "proj"
    make_project(root)
    run = Run(root, db_url)
    yield run
    sys.path[:] = [p for p in sys.path if p != str(root)]


def _tables(url: str) -> set[str]:
    from dbshift.database.connect import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return names


def test_the_whole_workflow(project: Run):
    out = project("init")
    assert 'metadata = "shop.models:Base.metadata"' in (project.root / "pyproject.toml").read_text()
    assert (project.root / "migrations").is_dir(), out

    out = project("revision", "--autogenerate", "-m", "initial")
    assert "create table product" in out
    first = sorted((project.root / "migrations").glob("*.py"))[0].name.split("_initial")[0]

    project("upgrade")
    assert {"product", "dbshift_history"} <= _tables(project.url)
    assert "No changes" in project("revision", "--autogenerate", "-m", "nothing")

    (project.root / "shop" / "models.py").write_text(MODELS_V2)
    out = project("revision", "--autogenerate", "-m", "price and tags")
    assert "add column product.price" in out and "create table tag" in out
    second = [p.name for p in sorted((project.root / "migrations").glob("*.py"))][1].split("_price")[0]
    project("upgrade")
    assert "tag" in _tables(project.url)
    assert "matches" in project("check")

    project("downgrade", "-1")
    assert "tag" not in _tables(project.url)
    assert first in project("current")
    assert project("check", expect=2)

    project("upgrade", "+1")
    assert second in project("current")
    history = project("history")
    assert history.index(second) < history.index(first), "newest first"
    assert "(head, current)" in history
    assert second in project("heads")
    # a prefix past the time: the shortest the first revision does not share (both may be written in one second)
    prefix = next(second[:n] for n in range(16, len(second) + 1) if not first.startswith(second[:n]))
    assert "add column product.price" in project("show", prefix)
    assert "add column product.price" in project("show", second.rsplit("_", 1)[1]), "the random part names it too"
    recent = project("history", "-r", "-1:current")
    assert second in recent and first in recent
    only_head = project("history", "-r", "current:", "-v")
    assert len(only_head.splitlines()) == 4 and only_head.startswith(f"* {second}") and "file:" in only_head
    assert "created: " in only_head and " ms by pid " in only_head, "-v: written when, applied when, how fast, by whom"

    project("downgrade", "base")
    assert _tables(project.url) & {"product", "tag"} == set()
    project("stamp", "head")
    assert second in project("current")
    assert "product" not in _tables(project.url), "stamp runs nothing"
    project("stamp", "base")

    sql = project("upgrade", "--sql")
    assert "CREATE TABLE" in sql and "dbshift_history" in sql
    assert "product" not in _tables(project.url), "--sql changes nothing"

    out = project("revision", "-m", "data fix")
    assert "Wrote" in out


def test_mistakes_get_one_line_and_exit_1(project: Run, tmp_path: Path):
    lonely = tmp_path / "empty"
    lonely.mkdir()
    assert "run 'dbshift init'" in Run(lonely, None)("current", expect=1)

    project("init")
    project("revision", "--autogenerate", "-m", "initial")
    project("upgrade")
    assert "unknown revision 'nope'" in project("upgrade", "nope", expect=1)
    project("revision", "-m", "second")
    assert "ambiguous" in project("show", "2", expect=1)
    rev = sorted((project.root / "migrations").glob("*.py"))[0].name[:19]
    assert "already" in project("upgrade", rev, expect=1)

    (project.root / "shop" / "models.py").write_text("raise RuntimeError('boom')\n")
    assert "cannot load models" in project("check", expect=1)


def test_check_fails_on_a_forked_edited_or_pending_history(project: Run):
    project("init")
    project("revision", "--autogenerate", "-m", "initial")
    project("upgrade")
    assert "matches" in project("check")
    applied = sorted((project.root / "migrations").glob("*.py"))[0]
    applied.write_text(applied.read_text() + "\n# changed after it ran\n")
    out = project("check", expect=2)
    assert "was edited since it ran" in out and applied.name in out and "difference" not in out

    left = Path(project("revision", "-m", "left").split()[1])
    right = Path(project("revision", "-m", "right").split()[1])
    right.write_text(right.read_text().replace(f"parents = {_parents(right)}", f"parents = {_parents(left)}"))
    out = project("check", expect=2)
    assert "2 heads" in out and "2 migration(s) not applied" in out


def _parents(path: Path) -> str:
    """The ``parents = ...`` value as written in a migration file."""
    return path.read_text().split("parents = ", 1)[1].split("\n", 1)[0]


def test_database_at_unknown_revision(project: Run):
    project("init")
    project("revision", "--autogenerate", "-m", "initial")
    project("upgrade")
    from dbshift.database.connect import create_engine

    engine = create_engine(project.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE dbshift_history SET revision = '20990101000000_dead'")
    engine.dispose()
    assert "20990101000000_dead" in project("upgrade", expect=1)


def test_unreachable_database_hides_the_password(tmp_path: Path):
    root = tmp_path / "proj"
    make_project(root)
    Run(root, None)("init")
    out = Run(root, "postgresql://app:s3cret-pw@127.0.0.1:1/shop")("current", expect=1)
    assert "cannot connect" in out and "s3cret-pw" not in out


def test_demo_runs_as_a_real_command():
    result = subprocess.run(
        [sys.executable, "-m", "dbshift", "demo"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Applying" in result.stdout and "Reverting" in result.stdout
    assert "\n\n$ dbshift upgrade\n" in result.stdout and "\\n" not in result.stdout  # a blank line, not a "\n"

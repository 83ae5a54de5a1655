"""Declared views and triggers through the command line: ``[tool.dbshift] objects``, ``manage_objects``,
and what ``revision --autogenerate`` and ``check`` say of them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.test_workflow import Run

MODELS = '''
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(server_default=sa.true())
'''

OBJECTS = '''
from dbshift.objects import Trigger, View

OBJECTS = [
    View("active_users", "SELECT id, email FROM users WHERE active"),
    Trigger("CREATE TRIGGER no_empty BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'empty') "
            "WHERE NEW.email = ''; END", dialect="sqlite"),
]
'''


@pytest.fixture
def run(tmp_path: Path) -> Run:
    root = tmp_path / "proj"
    (root / "shop").mkdir(parents=True)
    (root / "migrations").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS)
    (root / "shop" / "db.py").write_text(OBJECTS)
    (root / "pyproject.toml").write_text(
        '[tool.dbshift]\nmetadata = "shop.models:Base.metadata"\nobjects = "shop.db:OBJECTS"\n'
    )
    yield Run(root, f"sqlite:///{tmp_path / 'shop.db'}")
    sys.path[:] = [p for p in sys.path if p != str(root)]


def test_objects_named_in_pyproject_are_created_and_checked(run: Run, tmp_path: Path):
    out = run("revision", "--autogenerate", "-m", "objects")
    assert "  - create view active_users" in out and "  - create trigger no_empty" in out
    run("upgrade")
    assert run("check").strip() == "The database matches the models."
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO users (id, email) VALUES (1, 'a@x')")
        assert conn.exec_driver_sql("SELECT email FROM active_users").scalar() == "a@x"
        with pytest.raises(sa.exc.IntegrityError, match="empty"):
            conn.exec_driver_sql("INSERT INTO users (id, email) VALUES (2, '')")
        conn.exec_driver_sql("CREATE VIEW hand_made AS SELECT 1")
    engine.dispose()
    assert run("check").strip() == "The database matches the models."

    # opting in: what the models do not declare is dropped
    (run.root / "pyproject.toml").write_text(
        (run.root / "pyproject.toml").read_text() + "manage_objects = true\n"
    )
    out = run("check", expect=2)
    assert "  - drop view hand_made" in out


def test_objects_that_name_nothing_are_one_line(run: Run):
    (run.root / "pyproject.toml").write_text(
        '[tool.dbshift]\nmetadata = "shop.models:Base.metadata"\nobjects = "shop.db:MISSING"\n'
    )
    out = run("check", expect=1)
    assert "shop.db:MISSING" in out
    (run.root / "pyproject.toml").write_text(
        '[tool.dbshift]\nmetadata = "shop.models:Base.metadata"\nmanage_objects = "yes"\n'
    )
    out = run("check", expect=1)
    assert "manage_objects" in out


def test_check_names_ddl_it_cannot_compare(run: Run):
    (run.root / "shop" / "models.py").write_text(MODELS + '''
sa.event.listen(User.__table__, "after_create", sa.DDL("UPDATE users SET active = 1"))
''')
    run("revision", "--autogenerate", "-m", "users")
    run("upgrade")
    out = run("check")
    assert out.splitlines()[0] == "The database matches the models, except what dbshift cannot compare:"
    assert "UPDATE users SET active = 1" in out

"""Every operation, on every dialect, renders to SQL, deliberately to nothing, or is refused — never dropped silently.

The operation types are found by introspection of :mod:`dbshift.core.ops`, so a
new operation fails here until each dialect has a method for it or lists it in
``renders_nothing`` or ``unsupported``.  The last tests run a hand-written
migration the dialect cannot do on a real SQLite database: it fails with one
clear line and is not recorded as applied.
"""

from __future__ import annotations

import inspect
import io
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from dbshift.core import ops as o
from dbshift.core.model import (
    Column, Enum, PartitionOf, PrimaryKey, Schema, Sequence, Statistics, Table, TableOptions, TableRef,
)
from dbshift.core.objects import DbObject
from dbshift.render import UnsupportedOperation, renderer_for
from dbshift.render.base import DATA_STEPS, Renderer

DIALECTS = ("postgresql", "sqlite", "mysql", "mariadb")


def operation_types() -> list[type[o.Op]]:
    """Every concrete operation class defined in dbshift.core.ops."""
    found = [
        c for c in vars(o).values()
        if inspect.isclass(c) and issubclass(c, o.Op) and c is not o.Op and c.__module__ == o.__name__
    ]
    return sorted(found, key=lambda c: c.__name__)


OPS = operation_types()

TABLE = Table("t", (Column("id", "integer", nullable=False), Column("a", "integer")), primary_key=PrimaryKey(("id",)))
MOOD = Enum("mood", ("happy", "sad"))
SEQ = Sequence("s")
VIEW = DbObject("view", "v", ("CREATE VIEW v AS SELECT 1",), ("DROP VIEW v",), ("CREATE OR REPLACE VIEW v AS SELECT 1",))

SAMPLES: dict[type[o.Op], o.Op] = {
    o.CreateTable: o.CreateTable(TABLE),
    o.DropTable: o.DropTable(TABLE),
    o.RenameTable: o.RenameTable("t", "u"),
    o.AlterTableComment: o.AlterTableComment("t", None, "rows of t"),
    o.AlterTableLogging: o.AlterTableLogging("t", True),
    o.AlterTableCluster: o.AlterTableCluster("t", None, "ix_t_a"),
    o.AlterTableOptions: o.AlterTableOptions("t", TableOptions(), TableOptions(strict=True)),
    o.AddColumn: o.AddColumn("t", Column("b", "integer")),
    o.DropColumn: o.DropColumn("t", Column("a", "integer")),
    o.AlterColumn: o.AlterColumn("t", Column("a", "integer"), Column("a", "bigint")),
    o.RenameColumn: o.RenameColumn("t", "a", "b"),
    o.CreateIndex: o.CreateIndex("t", o.Index("ix_t_a", ("a",))),
    o.DropIndex: o.DropIndex("t", o.Index("ix_t_a", ("a",))),
    o.AddConstraint: o.AddConstraint("t", o.ForeignKey(("a",), "t", ("id",), name="fk_t_a")),
    o.DropConstraint: o.DropConstraint("t", o.ForeignKey(("a",), "t", ("id",), name="fk_t_a")),
    o.CreateEnum: o.CreateEnum(MOOD),
    o.DropEnum: o.DropEnum(MOOD),
    o.AlterEnum: o.AlterEnum(MOOD, Enum("mood", ("happy", "sad", "meh"))),
    o.CreateSequence: o.CreateSequence(SEQ),
    o.DropSequence: o.DropSequence(SEQ),
    o.AlterSequence: o.AlterSequence(SEQ, Sequence("s", increment=2)),
    o.AttachSequence: o.AttachSequence("t", "id", SEQ),
    o.DetachSequence: o.DetachSequence("t", "id", SEQ),
    o.CreateSchema: o.CreateSchema("audit"),
    o.DropSchema: o.DropSchema("audit"),
    o.CreateObject: o.CreateObject(VIEW),
    o.DropObject: o.DropObject(VIEW),
    o.ReplaceObject: o.ReplaceObject(VIEW, VIEW),
    o.Backfill: o.Backfill("t", "a", "0"),
    o.ValidateConstraint: o.ValidateConstraint("t", "ck"),
    o.AlterTableInherit: o.AlterTableInherit("t", TableRef("base"), True),
    o.AttachPartition: o.AttachPartition("t", PartitionOf(TableRef("m"), "DEFAULT")),
    o.DetachPartition: o.DetachPartition("t", PartitionOf(TableRef("m"), "DEFAULT")),
    o.CreateStatistics: o.CreateStatistics("t", Statistics("st_t", ("id", "a"))),
    o.DropStatistics: o.DropStatistics("t", Statistics("st_t", ("id", "a"))),
    o.AlterColumnStatistics: o.AlterColumnStatistics("t", "a", None, 200),
    o.RunSQL: o.RunSQL("SELECT 1"),
    o.RunPython: o.RunPython(lambda connection: None),
    o.BulkInsert: o.BulkInsert("t", ({"id": 1},)),
    o.BulkDelete: o.BulkDelete("t", ({"id": 1},)),
}


def how(renderer: Renderer, kind: type[o.Op]) -> str | None:
    """How ``renderer`` handles ``kind``: ``nothing``, ``sql``, ``runner``, ``unsupported``, or None (undecided)."""
    if kind in renderer.renders_nothing:
        return "nothing"
    if renderer.method_for(kind) is not None:
        return "sql"
    if kind in DATA_STEPS:
        return "runner"
    if kind in renderer.unsupported:
        return "unsupported"
    return None


def test_the_operations_are_found_by_introspection():
    assert set(o.SCHEMA_OPS) | {o.RunSQL, o.RunPython, o.BulkInsert, o.BulkDelete} <= set(OPS)
    assert not [c for c in OPS if inspect.isabstract(c)]


def test_every_operation_has_a_sample_here():
    assert [c.__name__ for c in OPS if c not in SAMPLES] == [], "add a sample of the new operation to SAMPLES"


def test_the_data_steps_are_the_ones_the_runner_executes_itself():
    from dbshift.runner.loop import _CALLS

    assert DATA_STEPS == frozenset(_CALLS)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kind", OPS, ids=lambda c: c.__name__)
def test_every_operation_is_decided_on_every_dialect(dialect, kind):
    renderer = renderer_for(dialect)
    assert renderer.name == dialect
    assert how(renderer, kind) is not None, (
        f"{type(renderer).__name__} neither renders {kind.__name__} (render_… method) nor lists it in "
        "renders_nothing or unsupported with a reason"
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_lists_are_consistent(dialect):
    renderer = renderer_for(dialect)
    nothing, unsupported = set(renderer.renders_nothing), set(renderer.unsupported)
    assert not nothing & unsupported, "an operation is either nothing or refused, not both"
    assert not nothing & DATA_STEPS, "a data step is executed by the runner: it is not 'nothing'"
    assert [c.__name__ for c in unsupported if renderer.method_for(c) is not None] == [], "listed but rendered"
    assert all(why.strip() for why in (*renderer.renders_nothing.values(), *renderer.unsupported.values()))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kind", OPS, ids=lambda c: c.__name__)
def test_what_is_not_rendered_is_nothing_only_when_listed_and_refused_otherwise(dialect, kind):
    renderer = renderer_for(dialect)
    op = SAMPLES[kind]
    decided = how(renderer, kind)
    if decided == "sql":
        return  # the dialect's own tests check its SQL
    if decided == "nothing":
        assert renderer.render(op, Schema()) == []
        return
    with pytest.raises(UnsupportedOperation) as caught:
        renderer.render(op, Schema())
    message = str(caught.value)
    assert message.startswith(f"cannot {op.describe()} on {dialect}: ")
    assert caught.value.op is op and caught.value.dialect == dialect
    if decided == "unsupported":
        assert caught.value.detail == renderer.unsupported[kind]
    assert "\n" not in message


@dataclass(frozen=True)
class Teleport(o.Op):
    """An operation no renderer knows: it stands for one added to dbshift without SQL for it."""

    table: str


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_operation_no_renderer_knows_is_refused_naming_it_and_the_dialect(dialect):
    with pytest.raises(UnsupportedOperation, match=rf"^cannot Teleport on {dialect}: dbshift has no SQL for Teleport"):
        renderer_for(dialect).render(Teleport("t"), Schema())


@pytest.mark.parametrize(
    "op, message",
    [
        (o.CreateSchema("audit"), "cannot create schema audit on sqlite: SQLite has no schemas"),
        (o.CreateSequence(Sequence("order_no")), "cannot create sequence order_no on sqlite: SQLite has no sequences"),
        (o.AlterEnum(MOOD, Enum("mood", ("happy",))),
         "cannot alter enum type mood on sqlite: SQLite holds an enum's values as text in each column, and the "
         "migration does not name the columns of enum type mood"),
    ],
)
def test_sqlite_refuses_schemas_sequences_and_an_enum_change_naming_no_columns(op, message):
    with pytest.raises(UnsupportedOperation) as caught:
        renderer_for("sqlite").render(op, Schema())
    assert str(caught.value).startswith(message)


def test_mysql_refuses_sequences_and_schemas_but_an_enum_type_is_carried_by_its_columns():
    mysql = renderer_for("mysql")
    assert mysql.render(o.CreateEnum(MOOD), Schema()) == []
    assert mysql.render(o.DropSequence(SEQ), Schema()) == []  # MySQL has none
    assert mysql.render(o.AlterEnum(MOOD, Enum("mood", ("happy",))), Schema()) == [], "no column holds it"
    for op in (o.CreateSequence(SEQ), o.CreateSchema("audit")):
        with pytest.raises(UnsupportedOperation, match="^cannot .* on mysql: "):
            mysql.render(op, Schema())
    assert [s.sql for s in renderer_for("mariadb").render(o.DropSequence(SEQ), Schema())] == ["DROP SEQUENCE s"]
    with pytest.raises(UnsupportedOperation, match="^cannot attach sequence s to t.id on mariadb: MariaDB has no serial"):
        renderer_for("mariadb").render(o.AttachSequence("t", "id", SEQ), Schema())


def test_what_sqlite_cannot_hold_renders_nothing():
    sqlite = renderer_for("sqlite")
    for op in (o.AlterTableComment("t", None, "c"), o.AlterTableLogging("t", True), o.DropSequence(SEQ),
               o.CreateEnum(MOOD)):  # an enum column holds its values as text: a migration made elsewhere applies
        assert sqlite.render(op, Schema()) == []


# --- on a real SQLite database ---------------------------------------------------------


FIRST = '''from dbshift.migration import *  # noqa: F401,F403

revision = "0001"
parents = ()
message = "products"
upgrade = [
    CreateTable(Table("product", (Column("id", "integer", nullable=False),), primary_key=PrimaryKey(("id",)))),
]
'''

SECOND = '''from dbshift.migration import *  # noqa: F401,F403

revision = "0002"
parents = ("0001",)
message = "orders"
upgrade = [
    CreateTable(Table("orders", (Column("id", "integer", nullable=False),), primary_key=PrimaryKey(("id",)))),
    {op},
]
'''

UNSUPPORTED = {
    "sequence": ('CreateSequence(Sequence("order_no"))', "cannot create sequence order_no on sqlite: SQLite has no sequences"),
    "schema": ('CreateSchema("audit")', "cannot create schema audit on sqlite: SQLite has no schemas"),
    "enum": ('AlterEnum(Enum("mood", ("happy", "sad")), Enum("mood", ("happy",)))',
             "cannot alter enum type mood on sqlite: SQLite holds an enum's values as text in each column"),
}


def make_project(root: Path, op: str) -> str:
    """A project with two migrations, the second ending in ``op``; returns its SQLite URL."""
    (root / "migrations").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
    (root / "migrations" / "0001_products.py").write_text(FIRST)
    (root / "migrations" / "0002_orders.py").write_text(SECOND.format(op=op))
    return f"sqlite:///{root / 'app.db'}"


def database_state(url: str) -> tuple[list[tuple[str, str]], set[str]]:
    """The history rows (revision, status) and the tables of the SQLite database at ``url``."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        history = db.execute("SELECT revision, status FROM dbshift_history ORDER BY revision").fetchall()
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return history, tables


@pytest.mark.parametrize("what", sorted(UNSUPPORTED))
def test_dbshift_upgrade_refuses_a_migration_sqlite_cannot_do_and_records_nothing(tmp_path, what):
    from dbshift.cli import main  # imported here: the coverage tests above do not need the command line

    op, message = UNSUPPORTED[what]
    url = make_project(tmp_path / "p", op)
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(tmp_path / "p")
    try:
        code = main(["--url", url, "upgrade"], out, err)
    finally:
        os.chdir(previous)
    lines = err.getvalue().strip().splitlines()
    assert code != 0, out.getvalue() + err.getvalue()
    assert len(lines) == 1 and "Traceback" not in out.getvalue() + err.getvalue(), err.getvalue()
    assert "0002" in lines[0] and message in lines[0]
    history, tables = database_state(url)
    assert history == [("0001", "applied")]  # 0002 is not recorded as applied, nor at all
    assert "product" in tables and "orders" not in tables  # 0002 was rolled back as a whole


def test_api_upgrade_raises_for_a_migration_sqlite_cannot_do_and_records_nothing(tmp_path):
    from dbshift import api
    from dbshift.config import Config
    from dbshift.core.errors import DbshiftError

    root = tmp_path / "p"
    url = make_project(root, UNSUPPORTED["sequence"][0])
    config = Config(root=root, migrations=root / "migrations", url=url, url_source="test")
    with pytest.raises(DbshiftError) as caught:
        api.upgrade(config)
    assert isinstance(caught.value, UnsupportedOperation) or isinstance(caught.value.__cause__, UnsupportedOperation)
    assert UNSUPPORTED["sequence"][1] in str(caught.value)
    history, tables = database_state(url)
    assert history == [("0001", "applied")] and "orders" not in tables

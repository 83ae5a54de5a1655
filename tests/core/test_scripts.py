"""scripts: migration files on disk (pure filesystem, no database)."""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dbshift.project import files as scripts
from dbshift.core.errors import DbshiftError
from dbshift.core.graph import Revision, RevisionGraph
from dbshift.core.ops import IrreversibleOperation
from dbshift.migration import (
    AddColumn, AlterEnum, BulkInsert, Column, CreateIndex, CreateTable, Enum, ForeignKey, Identity, Index,
    PrimaryKey, RunSQL, Table,
)
from dbshift.project.files import BadMigrationFile, Migration, MigrationFileExists

NOW = datetime(2026, 11, 21, 14, 23, 1, tzinfo=timezone.utc)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def py_file(rev: str, parents: str = "()", message: str = '"m"', body: str = "upgrade = []\n") -> str:
    return (
        f'"""{rev}\n\nrevision = "not-this-one"\n"""\n\n'
        "from dbshift.migration import *  # noqa: F401,F403\n\n"
        f'revision = "{rev}"\nparents = {parents}\nmessage = {message}\n\n{body}'
    )


# --- ids and names ------------------------------------------------------------


def test_when_a_migration_was_written_comes_from_its_id_else_from_its_file(tmp_path: Path):
    assert scripts.created_at(Revision("20261121142301_9f3a")) == datetime(2026, 11, 21, 14, 23, 1, tzinfo=timezone.utc)
    alembic_script = tmp_path / "ae1027a6acf_add_users.py"
    alembic_script.write_text('"""add users\n\nRevision ID: ae1027a6acf\nCreate Date: 2024-03-05 10:11:12.345678\n"""\n')
    assert scripts.created_at(Revision("ae1027a6acf", path=str(alembic_script))) == datetime(2024, 3, 5, 10, 11, 12, 345678)
    not_a_time = tmp_path / "20261121142399_9f3a.py"  # 14 digits, but second 99: the file is read
    not_a_time.write_text("# Created: 2026-11-21T14:23:59+00:00\n")
    assert scripts.created_at(Revision("20261121142399_9f3a", path=str(not_a_time))) == datetime(
        2026, 11, 21, 14, 23, 59, tzinfo=timezone.utc)
    assert scripts.created_at(Revision("2026112114230_9f3a")) is None  # 13 digits, and no file
    assert scripts.created_at(Revision("20261121142301")) is None  # no "_" after the time


def test_revision_ids_have_the_documented_shape():
    rev = scripts.new_revision_id(NOW, set())
    assert re.fullmatch(r"20261121142301_[0-9a-f]{4}", rev)
    local = NOW.astimezone(timezone(timedelta(hours=9)))
    assert scripts.new_revision_id(local, set()).startswith("20261121142301_")
    assert scripts.new_revision_id(NOW.replace(tzinfo=None), set()).startswith("20261121142301_")


def test_revision_ids_sort_by_creation_and_are_unique():
    existing: list[str] = []
    for second in range(0, 300, 3):
        for _ in range(3):  # several within the same second
            existing.append(scripts.new_revision_id(NOW + timedelta(seconds=second), set(existing)))
    assert len(set(existing)) == len(existing)
    assert sorted(existing) == existing


def test_revision_id_regenerated_on_collision(monkeypatch: pytest.MonkeyPatch):
    draws = iter([0x0000, 0xFFFF, 0x0005])
    monkeypatch.setattr("secrets.randbelow", lambda n: next(draws))
    taken = {"20261121142301_0000", "20261121142301_ffff"}  # a "full" second: any free suffix will do
    assert scripts.new_revision_id(NOW, taken) == "20261121142301_0005"


def test_revision_id_after_same_second_siblings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("secrets.randbelow", lambda n: 0)
    taken = {"20261121142301_1234", "20261121142300_ffff", "20261121142302_0000"}
    assert scripts.new_revision_id(NOW, taken) == "20261121142301_1235"


def test_revision_id_in_a_full_second_still_finds_a_free_suffix():
    taken = {"20261121142301_ffff"}
    rev = scripts.new_revision_id(NOW, taken)
    assert rev not in taken and rev.startswith("20261121142301_")


@pytest.mark.parametrize(
    "message, slug",
    [
        ("Add price", "add_price"),
        ("  add   PRICE column!! to product ", "add_price_column_to_product"),
        ("Crème brûlée", "creme_brulee"),
        ("", ""),
        ("!!! ???", ""),
        ("日本語", ""),
        ("a" * 60, "a" * 40),
        ("one two three four five six seven eight nine ten", "one_two_three_four_five_six_seven_eight"),
    ],
)
def test_slugify(message: str, slug: str):
    assert scripts.slugify(message) == slug
    assert len(slug) <= 40


def test_file_names():
    assert scripts.file_name("20261121142301_9f3a", "Add price") == "20261121142301_9f3a_add_price.py"
    assert scripts.file_name("20261121142301_9f3a", "???") == "20261121142301_9f3a.py"


# --- write, scan, load ----------------------------------------------------------


def test_written_file_scans_and_loads_equal(tmp_path: Path):
    table = Table(
        "product",
        (
            Column("id", "integer", nullable=False, identity=Identity(always=True)),
            Column("name", "varchar(40)", nullable=False),
            Column("kind_id", "integer"),
        ),
        primary_key=PrimaryKey(("id",)),
        foreign_keys=(ForeignKey(("kind_id",), "kind", ("id",), on_delete="CASCADE"),),
    )
    upgrade = [
        CreateTable(table),
        CreateIndex("product", Index("ix_name", ("lower(name)",), where="name <> ''", include=("id",))),
        AddColumn("product", Column("price", "numeric(10,2)")),
        AlterEnum(Enum("mood", ("a", "b")), Enum("mood", ("a", "c")), renamed=(("b", "c"),)),
        BulkInsert("kind", ({"id": 1, "name": "chair"},)),
        RunSQL("UPDATE product\nSET price = 0;\n"),
    ]
    rev_id = scripts.new_revision_id(NOW, set())
    path = scripts.write_migration(tmp_path, rev_id, ("20261120101010_aaaa",), "Add price", upgrade, now=NOW)
    assert path == tmp_path / f"{rev_id}_add_price.py"
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary file is left behind"

    [revision] = scripts.scan(tmp_path)
    assert revision == Revision(rev_id, ("20261120101010_aaaa",), "Add price", str(path))

    migration = scripts.load(revision)
    assert migration == Migration(revision, tuple(upgrade), None, scripts.file_checksum(path), "python")
    with pytest.raises(IrreversibleOperation):  # RunSQL without reverse_sql
        migration.downgrade_ops()


def test_hand_written_downgrade_is_kept(tmp_path: Path):
    up = [AddColumn("t", Column("c", "integer"))]
    down = [RunSQL("ALTER TABLE t DROP COLUMN c")]
    path = scripts.write_migration(tmp_path, "r1", (), "m", up, downgrade_ops=down, now=NOW)
    migration = scripts.load(scripts.read_header(path))
    assert migration.downgrade == tuple(down) and migration.downgrade_ops() == tuple(down)


def test_downgrade_defaults_to_the_reverse(tmp_path: Path):
    column = Column("c", "integer")
    path = scripts.write_migration(tmp_path, "r1", (), "m", [AddColumn("t", column)], now=NOW)
    migration = scripts.load(scripts.read_header(path))
    assert migration.downgrade is None
    assert migration.downgrade_ops() == (AddColumn("t", column).reverse(),)


def test_empty_hand_written_migration_loads(tmp_path: Path):
    path = scripts.write_migration(tmp_path, "r1", ("r0",), "data fix", [], now=NOW)
    migration = scripts.load(scripts.read_header(path))
    assert migration.upgrade == () and migration.downgrade_ops() == ()


def test_write_refuses_to_overwrite(tmp_path: Path):
    path = scripts.write_migration(tmp_path, "r1", (), "m", [], now=NOW)
    before = path.read_text()
    with pytest.raises(MigrationFileExists) as info:
        scripts.write_migration(tmp_path, "r1", (), "m", [RunSQL("x")], now=NOW)
    assert str(path) in str(info.value)
    assert path.read_text() == before
    assert len(list(tmp_path.iterdir())) == 1


def test_write_creates_the_directory(tmp_path: Path):
    path = scripts.write_migration(tmp_path / "new" / "migrations", "r1", (), "", [], now=NOW)
    assert path.name == "r1.py" and path.exists()


def test_scanned_graph_builds(tmp_path: Path):
    first = scripts.new_revision_id(NOW, set())
    scripts.write_migration(tmp_path, first, (), "initial", [], now=NOW)
    second = scripts.new_revision_id(NOW, {first})
    scripts.write_migration(tmp_path, second, (first,), "second", [], now=NOW)
    graph = RevisionGraph.build(scripts.scan(tmp_path))
    assert graph.heads() == (second,) and graph.bases() == (first,)


# --- scanning -----------------------------------------------------------------


def test_scan_does_not_import(tmp_path: Path):
    body = "raise RuntimeError('boom at import')\nupgrade = []\n"
    path = write(tmp_path, "r1_boom.py", py_file("r1", body=body))
    assert scripts.scan(tmp_path) == [Revision("r1", (), "m", str(path))]
    with pytest.raises(BadMigrationFile) as info:
        scripts.load(scripts.scan(tmp_path)[0])
    assert str(path) in str(info.value) and "RuntimeError: boom at import" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "parents, expected",
    [
        ("()", ()),
        ("None", ()),
        ('""', ()),
        ("[]", ()),
        ('"a"', ("a",)),
        ('("a",)', ("a",)),
        ('["a", "b"]', ("a", "b")),
        ('("a", "b")  # a merge', ("a", "b")),
        ('(\n    "a",\n    "b",\n)', ("a", "b")),
    ],
)
def test_parents_variants(tmp_path: Path, parents: str, expected: tuple):
    write(tmp_path, "r1.py", py_file("r1", parents=parents))
    [revision] = scripts.scan(tmp_path)
    assert revision.parents == expected


def test_header_variants(tmp_path: Path):
    write(tmp_path, "a.py", "revision: str = 'r1'\nparents = ()\nupgrade = []\n")  # no message, annotated
    write(tmp_path, "b.py", "message = \"it's\"\nparents = 'r1'\nrevision = 'r2'\nupgrade = []\n")
    write(tmp_path, "c.py", "upgrade = []\nrevision = 'r3'\nparents = ('r2',)\nmessage = None\n")
    assert [(r.id, r.parents, r.message) for r in scripts.scan(tmp_path)] == [
        ("r1", (), ""), ("r2", ("r1",), "it's"), ("r3", ("r2",), ""),
    ]


def test_scan_skips_other_files(tmp_path: Path):
    write(tmp_path, "r1.py", py_file("r1"))
    write(tmp_path, "__init__.py", "")
    write(tmp_path, "_helpers.py", "x = 1\n")
    write(tmp_path, ".hidden.py", "x = 1\n")
    write(tmp_path, ".dbshift-123.tmp", "x = 1\n")
    write(tmp_path, "README.md", "# notes\n")
    write(tmp_path, "notes.txt", "")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "r9.py", py_file("r9"))
    (tmp_path / "__pycache__").mkdir()
    assert [r.id for r in scripts.scan(tmp_path)] == ["r1"]


@pytest.mark.parametrize(
    "text, detail",
    [
        ("upgrade = []\n", "no 'revision"),
        ("x = 1\n", "no 'revision"),
        ("revision = 'r1'\nupgrade = []\n", "no 'parents"),
        ("revision = make_id()\nparents = ()\n", "line 1: revision must be a literal"),
        ("revision = 42\nparents = ()\n", "line 1: revision must be a non-empty string"),
        ("revision = ''\nparents = ()\n", "revision must be a non-empty string"),
        ("revision = 'r 1'\nparents = ()\n", "revision must be a non-empty string"),
        ("revision = 'r1'\nparents = (1, 2)\n", "line 2: parents must be"),
        ("revision = 'r1'\nparents = ()\nmessage = 3\n", "line 3: message must be a string"),
    ],
)
def test_bad_python_headers(tmp_path: Path, text: str, detail: str):
    path = write(tmp_path, "r1_bad.py", text)
    with pytest.raises(BadMigrationFile) as info:
        scripts.scan(tmp_path)
    message = str(info.value)
    assert isinstance(info.value, DbshiftError)
    assert str(path) in message and detail in message and "\n" not in message
    assert info.value.path == str(path)


def test_non_utf8_file_is_a_bad_migration_file(tmp_path: Path):
    (tmp_path / "r1.py").write_bytes(b"revision = '\xff'\n")
    with pytest.raises(BadMigrationFile, match="not UTF-8"):
        scripts.scan(tmp_path)


def test_docstring_lines_are_not_headers(tmp_path: Path):
    write(tmp_path, "r1.py", '"""\nrevision = "fake"\nparents = ("x",)\n"""\nrevision = "r1"\nparents = ()\n')
    [revision] = scripts.scan(tmp_path)
    assert (revision.id, revision.parents) == ("r1", ())


def test_scanning_2000_files_is_fast(tmp_path: Path):
    rows = ", ".join(f'{{"id": {i}, "name": "row {i}"}}' for i in range(2000))
    big_body = f'upgrade = [\n    BulkInsert("t", ({rows},)),\n]\n'
    for i in range(2000):
        body = big_body if i % 100 == 0 else 'upgrade = [\n    RunSQL("SELECT 1"),\n]\n'
        parents = f'("{i - 1:06d}",)' if i else "()"
        write(tmp_path, f"{i:06d}_step.py", py_file(f"{i:06d}", parents=parents, body=body))
    start = time.perf_counter()
    revisions = scripts.scan(tmp_path)
    elapsed = time.perf_counter() - start
    assert len(revisions) == 2000 and revisions[5].parents == ("000004",)
    assert elapsed < 2.0, f"scan took {elapsed:.2f}s"


# --- SQL files ----------------------------------------------------------------


SQL_WITH_DOWN = """\
-- revision: 20261121142301_9f3a
-- parents: 20261120101010_aaaa, 20261120101010_bbbb
-- message: add price: the numeric one

-- A comment about the change.
ALTER TABLE product ADD COLUMN price numeric(10,2);
UPDATE product SET price = 0;

-- DOWN
ALTER TABLE product DROP COLUMN price;
"""


def test_sql_file_with_down(tmp_path: Path):
    path = write(tmp_path, "20261121142301_9f3a_add_price.sql", SQL_WITH_DOWN)
    [revision] = scripts.scan(tmp_path)
    assert revision == Revision(
        "20261121142301_9f3a", ("20261120101010_aaaa", "20261120101010_bbbb"), "add price: the numeric one", str(path)
    )
    migration = scripts.load(revision)
    assert migration.kind == "sql"
    assert migration.upgrade == (
        RunSQL("ALTER TABLE product ADD COLUMN price numeric(10,2);\nUPDATE product SET price = 0;"),
    )
    assert migration.downgrade == (RunSQL("ALTER TABLE product DROP COLUMN price;"),)
    assert migration.downgrade_ops() == migration.downgrade
    assert migration.checksum == scripts.file_checksum(path)


def test_sql_file_without_down(tmp_path: Path):
    write(tmp_path, "r1.sql", "-- revision: r1\n-- parents:\nCREATE TABLE t (id int);\n-- downgrade is not a marker\n")
    [revision] = scripts.scan(tmp_path)
    assert (revision.id, revision.parents, revision.message) == ("r1", (), "")
    migration = scripts.load(revision)
    assert migration.upgrade == (RunSQL("CREATE TABLE t (id int);\n-- downgrade is not a marker"),)
    assert migration.downgrade is None
    with pytest.raises(IrreversibleOperation):
        migration.downgrade_ops()


def test_sql_file_with_empty_parts(tmp_path: Path):
    write(tmp_path, "r1.sql", "-- Revision: r1\n-- Parents: r0\n-- down\n")
    migration = scripts.load(scripts.scan(tmp_path)[0])
    assert migration.upgrade == () and migration.downgrade == ()


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TABLE t (id int);\n-- revision: r1\n-- parents:\n",  # header must come first
        "-- parents:\nSELECT 1;\n",
        "",
    ],
)
def test_bad_sql_headers(tmp_path: Path, text: str):
    path = write(tmp_path, "r1.sql", text)
    with pytest.raises(BadMigrationFile) as info:
        scripts.scan(tmp_path)
    assert str(path) in str(info.value) and "revision" in str(info.value)


def test_sql_file_without_parents_line(tmp_path: Path):
    write(tmp_path, "r1.sql", "-- revision: r1\nSELECT 1;\n")
    with pytest.raises(BadMigrationFile, match="parents"):
        scripts.scan(tmp_path)


# --- loading errors -----------------------------------------------------------


@pytest.mark.parametrize(
    "body, detail",
    [
        ("x = 1\n", "no 'upgrade"),
        ("upgrade = [\n", "SyntaxError"),
        ("upgrade = [Nope()]\n", "NameError: name 'Nope' is not defined"),
        ("upgrade = 'x'\n", "upgrade must be a list of operations"),
        ("upgrade = [1]\n", "upgrade[0] is not an operation"),
        ("upgrade = []\ndowngrade = [RunSQL('x'), 'y']\n", "downgrade[1] is not an operation"),
        ("upgrade = []\nraise ValueError('first line\\nsecond line')\n", "ValueError: first line"),
    ],
)
def test_bad_python_bodies(tmp_path: Path, body: str, detail: str):
    path = write(tmp_path, "r1.py", py_file("r1", body=body))
    [revision] = scripts.scan(tmp_path)
    with pytest.raises(BadMigrationFile) as info:
        scripts.load(revision)
    message = str(info.value)
    assert str(path) in message and detail in message and "\n" not in message


def test_load_notices_a_changed_revision(tmp_path: Path):
    path = write(tmp_path, "r1.py", py_file("r1"))
    [revision] = scripts.scan(tmp_path)
    path.write_text(py_file("r2"))
    with pytest.raises(BadMigrationFile, match="declares revision 'r2'"):
        scripts.load(revision)


def test_load_uses_private_module_names_and_no_sys_path(tmp_path: Path):
    body = (
        "import dataclasses\n\n"
        "@dataclasses.dataclass\nclass Helper:\n    x: int\n\n"
        "def fill(connection):\n    return connection\n\n"
        "upgrade = [RunPython(fill)]\n"
    )
    write(tmp_path, "r1.py", py_file("r1", body=body))
    modules_before, path_before = set(sys.modules), list(sys.path)
    first = scripts.load(scripts.scan(tmp_path)[0])
    second = scripts.load(scripts.scan(tmp_path)[0])
    assert first.upgrade[0].func.__module__ != second.upgrade[0].func.__module__
    assert first.upgrade[0].func("conn") == "conn"
    assert set(sys.modules) == modules_before and sys.path == path_before
    assert not (tmp_path / "__pycache__").exists()


def test_load_sees_edits_immediately(tmp_path: Path):
    path = write(tmp_path, "r1.py", py_file("r1", body="upgrade = [RunSQL('SELECT 1')]\n"))
    [revision] = scripts.scan(tmp_path)
    assert scripts.load(revision).upgrade == (RunSQL("SELECT 1"),)
    path.write_text(py_file("r1", body="upgrade = [RunSQL('SELECT 2')]\n"))  # same size, same second
    assert scripts.load(revision).upgrade == (RunSQL("SELECT 2"),)


def test_load_without_a_path():
    with pytest.raises(BadMigrationFile):
        scripts.load(Revision("r1"))


# --- checksums ----------------------------------------------------------------


def test_checksum_ignores_line_endings_and_trailing_whitespace():
    text = "revision = 'r1'\nupgrade = [\n    RunSQL('x'),\n]\n"
    same = [
        text.replace("\n", "\r\n"),
        text.replace("\n", "  \n"),
        text.replace("\n", " \t\r\n"),
        text + "\n\n   \n",
        text.rstrip("\n"),
        "\ufeff" + text,
    ]
    for variant in same:
        assert scripts.checksum(variant) == scripts.checksum(text)
    different = [
        text.replace("'x'", "'y'"),
        text.replace("    RunSQL", "RunSQL"),  # leading whitespace matters
        "\n" + text,
        text.replace("\n]", "\n\n]"),
    ]
    for variant in different:
        assert scripts.checksum(variant) != scripts.checksum(text)
    assert re.fullmatch(r"[0-9a-f]{64}", scripts.checksum(text))


def test_file_checksum(tmp_path: Path):
    a = tmp_path / "a.py"
    b = tmp_path / "b.py"
    a.write_bytes(b"upgrade = []\n")
    b.write_bytes(b"upgrade = []   \r\n\r\n")
    assert scripts.file_checksum(a) == scripts.file_checksum(b) == scripts.checksum("upgrade = []")


@pytest.mark.parametrize(
    "message", ['has """ triple', "back\\slash\\", 'ends with quote "', "two\nlines", "tab\tand\x00nul", "'''", "é"]
)
def test_odd_messages_survive_write_and_scan(tmp_path: Path, message: str):
    path = scripts.write_migration(tmp_path, "r1", (), message, [RunSQL("SELECT 1")], now=NOW)
    [revision] = scripts.scan(tmp_path)
    assert revision.message == message and revision.path == str(path)
    assert scripts.load(revision).upgrade == (RunSQL("SELECT 1"),)


# --- rewriting parents (rebase) -------------------------------------------------------


def test_set_parents_rewrites_only_the_declaration_and_docstring_line(tmp_path: Path):
    path = scripts.write_migration(tmp_path, "20261121142301_9f3a", ["20261120101010_aaaa"], "add price",
                                   [RunSQL("SELECT 1")], now=NOW)
    before = path.read_bytes()
    scripts.set_parents(path, ["20261121000000_bbbb"])
    after = path.read_bytes()
    assert after == before.replace(b"20261120101010_aaaa", b"20261121000000_bbbb")
    assert after.count(b"20261121000000_bbbb") == 2, "parents = (...) and the docstring's Parents: line"
    assert scripts.read_header(path).parents == ("20261121000000_bbbb",)
    assert scripts.load(scripts.read_header(path)).upgrade == (RunSQL("SELECT 1"),)


def test_set_parents_keeps_crlf_comments_and_a_value_over_several_lines(tmp_path: Path):
    text = py_file("r2", parents='(\n    "r0",  # the old one\n    "r1",\n)  # keep me', body="upgrade = []  # x\n")
    path = tmp_path / "r2.py"
    path.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    scripts.set_parents(path, ["r9"])
    assert path.read_bytes() == ("\ufeff" + text.replace(
        '(\n    "r0",  # the old one\n    "r1",\n)', '("r9",)')).replace("\n", "\r\n").encode("utf-8")
    assert scripts.read_header(path).parents == ("r9",)


def test_set_parents_in_a_sql_header(tmp_path: Path):
    text = "-- revision: r2\n--  Parents:  r0, r1   \n-- message: m\n\nSELECT 1; -- parents: not this\n"
    path = write(tmp_path, "r2.sql", text)
    scripts.set_parents(path, ["r9"])
    assert path.read_text() == text.replace("--  Parents:  r0, r1   \n", "--  Parents: r9\n")
    scripts.set_parents(path, [])
    assert scripts.read_header(path).parents == ()


def test_set_parents_without_a_declaration_is_a_bad_file(tmp_path: Path):
    sql = write(tmp_path, "r.sql", "-- revision: r\nSELECT 1;\n")
    with pytest.raises(BadMigrationFile, match="no '-- parents:' header"):
        scripts.set_parents(sql, ["x"])
    py = write(tmp_path, "r.py", 'revision = "r"\nupgrade = []\n')
    with pytest.raises(BadMigrationFile, match="no 'parents = "):
        scripts.set_parents(py, ["x"])
    assert py.read_text() == 'revision = "r"\nupgrade = []\n'


def test_set_parents_with_an_annotation(tmp_path: Path):
    path = write(tmp_path, "r.py", 'revision = "r"\nparents: tuple[str, ...] = ("a",)\nupgrade = []\n')
    scripts.set_parents(path, ["b"])
    assert path.read_text() == 'revision = "r"\nparents: tuple[str, ...] = ("b",)\nupgrade = []\n'

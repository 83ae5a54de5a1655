"""What a migration drops or changes, it re-creates on downgrade as the history created it, on any database.

A migration generated on one database carries each object it drops or alters as
it was (for its downgrade).  Where the history created that object, the file
states it as the history does, so the downgrade runs on the other databases too
and leaves what their models expect; where the database holds something the
history does not say (a change made by hand), the downgrade restores what the
database held.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.database.connect import create_engine
from dbshift.project import files
from tests.roundtrip.cases import ALL, Case
from tests.roundtrip.test_cross_database import _run_elsewhere

ORDERED_KINDS = [(x, y) for x in ALL for y in ALL if x != y]
KINDS = pytest.mark.parametrize("generated_on, applied_on", ORDERED_KINDS, ids=[f"{x}-to-{y}" for x, y in ORDERED_KINDS])


def tag(md: sa.MetaData) -> None:
    sa.Table("tag", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(20)))


def tag_and_item(md: sa.MetaData) -> None:
    tag(md)
    sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("code", sa.String(10), nullable=False, server_default="a"),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("total", sa.Numeric(12, 2), sa.Computed("price * 2")),
        sa.CheckConstraint("price >= 0", name="ck_item_price"),
        sa.Index("ix_item_name", "name"),
    )


TAG_SEED = ["INSERT INTO tag (id, label) VALUES (1, 'red'), (2, 'blue')"]


@KINDS
def test_a_dropped_table_comes_back_as_the_history_created_it(
    generated_on: str, applied_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    """The downgrade of a DROP TABLE generated on X re-creates, on Y, the table (its string, defaulted, computed
    and checked columns, its index) that Y's models expect; the other table keeps its rows throughout."""
    case = Case(a=tag_and_item, b=tag, seed=TAG_SEED, keep={"tag": "id, label"})
    _run_elsewhere(case, generated_on, [applied_on], database_of, rows, execute, tmp_path / "project")


def author_with_codes(md: sa.MetaData) -> None:
    author(md, sa.Column("nick", sa.String(20), nullable=False, server_default="x"),
           sa.Column("code", sa.String(20), nullable=False))


def author(md: sa.MetaData, *extra: sa.Column) -> None:
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)), *extra)


@KINDS
def test_dropped_not_null_columns_come_back_as_the_history_created_them(
    generated_on: str, applied_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    """The downgrade re-adds a dropped NOT NULL column without a default (first as nullable, to fill the
    rows, then NOT NULL) and one with a default, both as the history created them."""
    case = Case(
        a=author_with_codes, b=author,
        seed=["INSERT INTO author (id, name, nick, code) VALUES (1, 'Ann', 'a', 'c')"], keep={"author": "id, name"},
    )
    _run_elsewhere(case, generated_on, [applied_on], database_of, rows, execute, tmp_path / "project")


def item_indexed(md: sa.MetaData, *, unique_index: bool) -> None:
    extra = [sa.Index("ix_item_name_code", "name", "code", unique=True)] if unique_index else []
    sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("code", sa.String(10), nullable=False),
        *extra,
    )


@pytest.mark.parametrize("applied_on", ["sqlite", "postgresql"])
def test_a_unique_index_made_on_mariadb_is_an_index_elsewhere(
    applied_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    """MariaDB holds a unique index as a unique key: the migrations written there create it, drop it and
    create it again as the unique index the models declare, which other databases' models expect."""
    case = Case(
        a=lambda md: item_indexed(md, unique_index=True), b=lambda md: item_indexed(md, unique_index=False),
        seed=["INSERT INTO item (id, name, code) VALUES (1, 'pen', 'p'), (2, 'pen', 'q')"],
        keep={"item": "id, name, code"},
    )
    _run_elsewhere(case, "mariadb", [applied_on], database_of, rows, execute, tmp_path / "project")


# --- what the history does not say ----------------------------------------------------------------


def _config(root: Path, url: str, build) -> Config:  # noqa: ANN001
    metadata = sa.MetaData()
    build(metadata)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=metadata)


def item_code(md: sa.MetaData, length: int = 10) -> None:
    sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(length), nullable=False, server_default="a"),
    )


def _code_default(url: str) -> str:
    engine = create_engine(url)
    try:
        column = next(c for c in sa.inspect(engine).get_columns("item") if c["name"] == "code")
    finally:
        engine.dispose()
    return str(column["default"])


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])  # SQLite cannot change a default in place
def test_a_default_changed_by_hand_is_what_the_downgrade_restores(kind: str, database_of, execute, tmp_path: Path) -> None:
    """The history says ``code`` defaults to 'a'; the database was changed by hand to 'z'.  A migration that
    widens ``code`` restores 'z' on downgrade: the column as the database held it, not as the history says."""
    root, url = tmp_path / "project", database_of(kind)
    (root / "migrations").mkdir(parents=True)
    api.revision(_config(root, url, item_code), "a", autogenerate=True)
    api.upgrade(_config(root, url, item_code))
    execute(url, "ALTER TABLE item ALTER COLUMN code SET DEFAULT 'z'")

    wider = _config(root, url, lambda md: item_code(md, 20))
    api.revision(wider, "b", autogenerate=True)
    api.upgrade(wider)
    assert "z" not in _code_default(url) and "a" in _code_default(url)

    api.downgrade(wider, "-1")
    assert "z" in _code_default(url)


@pytest.mark.parametrize("kind", ALL)
def test_a_column_made_by_hand_written_sql_is_dropped_and_restored_as_the_database_held_it(
    kind: str, database_of, rows, execute, tmp_path: Path
) -> None:
    """A hand-written step adds ``note``, which the history's operations know nothing of; dropping it still
    generates, and the downgrade adds it back as the database had it, with its values."""
    root, url = tmp_path / "project", database_of(kind)
    (root / "migrations").mkdir(parents=True)
    first = api.revision(_config(root, url, item_code), "a", autogenerate=True)
    assert first.revision is not None
    note = files.new_revision_id(datetime.now(timezone.utc), {first.revision.id})
    (root / "migrations" / f"{note}_note.sql").write_text(
        f"-- revision: {note}\n"
        f"-- parents: {first.revision.id}\n"
        "ALTER TABLE item ADD COLUMN note VARCHAR(20);\n"
        "-- down\n"
        "ALTER TABLE item DROP COLUMN note;\n",
        encoding="utf-8",
    )

    def with_note(md: sa.MetaData) -> None:
        item_code(md)
        md.tables["item"].append_column(sa.Column("note", sa.String(20)))

    api.upgrade(_config(root, url, with_note))
    assert api.check(_config(root, url, with_note)).ops == ()
    execute(url, "INSERT INTO item (id, code, note) VALUES (1, 'p', 'kept')")

    without = _config(root, url, item_code)
    assert api.revision(without, "drop note", autogenerate=True).ops
    api.upgrade(without)
    assert api.check(without).ops == ()
    api.downgrade(without, "-1")
    assert api.check(_config(root, url, with_note)).ops == ()
    assert rows(url, "item", "id, code") == [(1, "p")]

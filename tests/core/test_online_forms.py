"""The online forms of changes to large tables: which operations are rewritten, into what, and that the
rewrite changes the schema exactly as the plain form does (and undoes as it does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbshift import migration
from dbshift.core import ops as o
from dbshift.core.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.core.online import BATCH_SIZE, lock_settings, online_forms, takes_strong_lock
from dbshift.core.graph import Revision
from dbshift.project import files
from dbshift.project.codegen import render_migration, render_value
from dbshift.render import render

ITEM = Table(
    "item",
    (Column("id", "integer", nullable=False), Column("owner_id", "integer"), Column("code", "text"),
     Column("qty", "integer")),
    primary_key=PrimaryKey(("id",)),
)
OWNER = Table("owner", (Column("id", "integer", nullable=False),), primary_key=PrimaryKey(("id",)))
START = Schema(tables=(ITEM, OWNER))
FK = ForeignKey(("owner_id",), "owner", ("id",), name="item_owner_fk")
NOT_NULL = o.AlterColumn("item", Column("qty", "integer"), Column("qty", "integer", nullable=False))

PLAIN: list[o.Op] = [
    o.CreateIndex("item", Index("ix_item_qty", ("qty",))),
    o.AddConstraint("item", FK),
    o.AddConstraint("item", Check("qty >= 0", "item_qty_check")),
    o.AddConstraint("item", Unique(("code",), "item_code_key")),
    o.Backfill("item", "qty", "0"),
    NOT_NULL,
]


def test_each_change_to_a_large_table_takes_its_online_form():
    online = online_forms(PLAIN, "postgresql", {"item"})
    assert online == [
        o.CreateIndex("item", Index("ix_item_qty", ("qty",)), concurrently=True),
        o.AddConstraint("item", FK, valid=False),
        o.ValidateConstraint("item", "item_owner_fk"),
        o.AddConstraint("item", Check("qty >= 0", "item_qty_check"), valid=False),
        o.ValidateConstraint("item", "item_qty_check"),
        o.CreateIndex("item", Index("item_code_key", ("code",), unique=True), concurrently=True),
        o.AddConstraint("item", Unique(("code",), "item_code_key"), using_index="item_code_key"),
        o.Backfill("item", "qty", "0", batch_size=BATCH_SIZE),
        o.AddConstraint("item", Check('"qty" IS NOT NULL', "item_qty_not_null"), valid=False),
        o.ValidateConstraint("item", "item_qty_not_null"),
        NOT_NULL,
        o.DropConstraint("item", Check('"qty" IS NOT NULL', "item_qty_not_null")),
    ]


def test_the_online_form_leaves_the_schema_the_plain_form_leaves_and_undoes_to_the_start():
    online = online_forms(PLAIN, "postgresql", {"item"})
    after = o.apply_all(START, online)
    assert after == o.apply_all(START, PLAIN)
    assert o.apply_all(after, o.reverse_all(online)) == START


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "mariadb"])
def test_other_databases_keep_the_plain_form(dialect):
    assert online_forms(PLAIN, dialect, {"item"}) == PLAIN


def test_small_tables_and_tables_the_migration_creates_keep_the_plain_form():
    assert online_forms(PLAIN, "postgresql", {"owner"}) == PLAIN
    assert online_forms(PLAIN, "postgresql", ()) == PLAIN
    created = [o.CreateTable(Table("fresh", (Column("a", "integer"),))), o.CreateIndex("fresh", Index("ix_a", ("a",)))]
    assert online_forms(created, "postgresql", {"fresh"}) == created


def test_a_not_null_that_also_changes_the_type_is_left_as_it_is():
    both = o.AlterColumn("item", Column("qty", "integer"), Column("qty", "bigint", nullable=False))
    assert online_forms([both], "postgresql", {"item"}) == [both]


def test_a_schema_qualified_table_is_named_by_its_key():
    op = o.CreateIndex("item", Index("ix", ("qty",)), schema="shop")
    assert online_forms([op], "postgresql", {"shop.item"}) == [o.CreateIndex("item", Index("ix", ("qty",)), "shop", True)]
    assert online_forms([op], "postgresql", {"item"}) == [op]


def test_lock_settings_are_wanted_when_a_statement_waits_for_a_strong_lock_on_a_large_table():
    assert lock_settings(PLAIN, "postgresql", {"item"}) == ("2s", 5)
    assert lock_settings(PLAIN, "postgresql", {"item"}, "500ms", 9) == ("500ms", 9)
    assert lock_settings(PLAIN, "postgresql", ()) == (None, 0)
    assert lock_settings(PLAIN, "sqlite", {"item"}) == (None, 0)
    only_online = [o.CreateIndex("item", Index("ix", ("qty",)), concurrently=True), o.Backfill("item", "qty", "0", batch_size=5)]
    assert lock_settings(only_online, "postgresql", {"item"}) == (None, 0)
    assert lock_settings(online_forms(PLAIN, "postgresql", {"item"}), "postgresql", {"item"}) == ("2s", 5)
    assert takes_strong_lock(o.RunSQL("UPDATE item SET qty = 1")) and takes_strong_lock(NOT_NULL)


# --- SQL ------------------------------------------------------------------------------------------------------


def _sql(op: o.Op, dialect: str = "postgresql", schema: Schema = START) -> list[tuple[str, bool]]:
    return [(s.sql, s.transactional) for s in render(op, dialect, schema)]


def test_postgresql_sql_of_the_online_forms():
    index = Index("ix_q", ("lower(code)", "qty DESC"), unique=True, where="qty > 0", using="btree", include=("id",))
    assert _sql(o.CreateIndex("item", index, concurrently=True)) == [(
        'CREATE UNIQUE INDEX CONCURRENTLY ix_q ON item USING btree ((lower(code)), qty DESC) INCLUDE (id) WHERE qty > 0',
        False,
    )]
    assert _sql(o.CreateIndex("item", index))[0][0] == _sql(o.CreateIndex("item", index, concurrently=True))[0][0].replace(
        " CONCURRENTLY", "")
    assert _sql(o.DropIndex("item", index, concurrently=True)) == [("DROP INDEX CONCURRENTLY ix_q", False)]
    assert _sql(o.AddConstraint("item", FK, valid=False)) == [(
        "ALTER TABLE item ADD CONSTRAINT item_owner_fk FOREIGN KEY (owner_id) REFERENCES owner (id) NOT VALID", True)]
    assert _sql(o.ValidateConstraint("item", "item_owner_fk")) == [
        ("ALTER TABLE item VALIDATE CONSTRAINT item_owner_fk", False)]
    assert _sql(o.AddConstraint("item", Unique(("code",), "uq"), using_index="uq")) == [
        ("ALTER TABLE item ADD CONSTRAINT uq UNIQUE USING INDEX uq", True)]
    [(batched, transactional)] = _sql(o.Backfill("item", "qty", "0", batch_size=500))
    assert not transactional and batched.startswith("DO $$") and "LIMIT 500" in batched and "COMMIT;" in batched


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "mariadb"])
def test_elsewhere_the_flags_give_the_plain_sql_and_validating_renders_nothing(dialect):
    index = Index("ix_q", ("qty",))
    assert _sql(o.CreateIndex("item", index, concurrently=True), dialect) == _sql(o.CreateIndex("item", index), dialect)
    assert render(o.ValidateConstraint("item", "ck"), dialect, START) == []
    if dialect != "sqlite":
        check = Check("qty >= 0", "ck")
        assert _sql(o.AddConstraint("item", check, valid=False), dialect) == _sql(o.AddConstraint("item", check), dialect)


def test_a_not_valid_unique_or_a_using_index_check_is_refused():
    with pytest.raises(ValueError):
        o.AddConstraint("item", Unique(("code",)), valid=False)
    with pytest.raises(ValueError):
        o.AddConstraint("item", Check("1 = 1", "ck"), using_index="ix")
    with pytest.raises(ValueError):
        o.Backfill("item", "qty", "0", batch_size=0)


# --- migration files ------------------------------------------------------------------------------------------


def test_the_new_fields_and_operation_round_trip_through_migration_source():
    for op in online_forms(PLAIN, "postgresql", {"item"}) + [o.DropIndex("item", Index("ix", ("qty",)), concurrently=True)]:
        assert eval(render_value(op), vars(migration)) == op


def test_a_generated_file_declares_its_lock_settings_and_reads_back(tmp_path: Path):
    from datetime import datetime, timezone

    ops = online_forms(PLAIN, "postgresql", {"item"})
    text = render_migration("20260101000000_abcd", (), "online", ops, created=datetime.now(timezone.utc),
                            lock_timeout="2s", lock_retries=5)
    assert 'lock_timeout = "2s"\nlock_retries = 5\n' in text
    path = tmp_path / "20260101000000_abcd_online.py"
    path.write_text(text)
    loaded = files.load(files.read_header(path))
    assert loaded.upgrade == tuple(ops) and loaded.lock == (2.0, 5)
    assert o.apply_all(o.apply_all(START, ops), loaded.downgrade_ops()) == START


def test_a_sql_file_declares_its_lock_settings_in_its_header(tmp_path: Path):
    from datetime import datetime, timezone

    text = files.render_sql_migration("20260101000000_abcd", (), "m", "ALTER TABLE item ADD COLUMN x int;",
                                      created=datetime.now(timezone.utc), lock_timeout="500ms", lock_retries=7)
    path = tmp_path / "20260101000000_abcd_m.sql"
    path.write_text(text)
    assert files.load(files.read_header(path)).lock == (0.5, 7)


@pytest.mark.parametrize("header, detail", [
    ('lock_timeout = "soon"', "lock_timeout must be a duration"),
    ('lock_timeout = "2s"\nlock_retries = -1', "lock_retries must be a whole number"),
    ("lock_retries = 3", "lock_retries needs a lock_timeout"),
])
def test_bad_lock_settings_are_one_clear_line(tmp_path: Path, header: str, detail: str):
    path = tmp_path / "20260101000000_abcd_m.py"
    path.write_text(f"from dbshift.migration import *\nrevision = '20260101000000_abcd'\nparents = ()\n{header}\nupgrade = []\n")
    with pytest.raises(files.BadMigrationFile) as caught:
        files.load(Revision("20260101000000_abcd", (), "", str(path)))
    assert detail in str(caught.value) and "\n" not in str(caught.value)


def test_a_sql_file_with_a_bad_lock_timeout_is_one_clear_line(tmp_path: Path):
    path = tmp_path / "20260101000000_abcd_m.sql"
    path.write_text("-- revision: 20260101000000_abcd\n-- parents:\n-- lock_timeout: forever\nSELECT 1;\n")
    with pytest.raises(files.BadMigrationFile, match="lock_timeout must be a duration"):
        files.load(files.read_header(path))

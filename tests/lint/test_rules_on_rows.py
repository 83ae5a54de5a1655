"""Every lint rule judged on real rows, on PostgreSQL and MariaDB: the dangerous case is caught with its code and
severity, and its harmless twins (an empty table, a small one, a satisfied constraint, a widening) raise nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
import sqlalchemy as sa

from dbshift.api.linting import data_findings
from dbshift.core import ops as o
from dbshift.core.findings import SEVERITY, Finding
from dbshift.core.model import Check, Column, Enum, ForeignKey, Index, Table, Unique

LARGE = 150  # large_table_rows in these tests
MANY, FEW = 200, 20  # rows of a large and of a small table

ID = Column("id", "integer", nullable=False)
NAME = Column("name", "varchar(40)")
CODE = Column("code", "varchar(40)")
CAT = Column("cat_id", "integer")
QTY = Column("qty", "integer")
ITEM = Table("item", (ID, NAME, CODE, CAT, QTY))


@pytest.fixture(params=["postgresql", "mariadb"])
def db(request) -> sa.Engine:
    url = request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE cat (id integer PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO cat (id) VALUES (1), (2), (3)")
        conn.exec_driver_sql("CREATE TABLE item (id integer PRIMARY KEY, name varchar(40), code varchar(40), "
                             "cat_id integer, qty integer)")
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Rows:
    """How to fill ``item``: ``n`` rows, each column's value from the row number."""

    n: int
    name: Callable[[int], str | None] = lambda i: f"name {i}"
    code: Callable[[int], str | None] = lambda i: f"c{i}"
    cat_id: Callable[[int], int | None] = lambda i: 1 + i % 3
    qty: Callable[[int], int | None] = lambda i: i


def fill(engine: sa.Engine, rows: Rows) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM item"))
        if rows.n:
            conn.execute(sa.text("INSERT INTO item (id, name, code, cat_id, qty) VALUES (:id, :name, :code, :cat, :qty)"),
                         [{"id": i, "name": rows.name(i), "code": rows.code(i), "cat": rows.cat_id(i), "qty": rows.qty(i)}
                          for i in range(1, rows.n + 1)])
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE item")


def found(engine: sa.Engine, ops: list[o.Op], large: int = LARGE) -> list[Finding]:
    with engine.connect() as conn:
        return data_findings(conn, [("r1", ops)], large)["r1"]


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in findings]


def pg(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


# --- data lost, or rows a change fails on -------------------------------------------------------------


def test_drop_table_says_how_many_rows_it_loses_and_nothing_for_an_empty_table(db):
    fill(db, Rows(FEW))
    [f] = found(db, [o.DropTable(ITEM)])
    assert (f.code, f.severity, f.rows) == ("DS101", "error", FEW) and f"{FEW} rows" in f.message
    fill(db, Rows(0))
    assert found(db, [o.DropTable(ITEM)]) == []


def test_drop_column_counts_the_values_it_loses(db):
    fill(db, Rows(FEW, code=lambda i: f"c{i}" if i % 2 else None))
    [f] = found(db, [o.DropColumn("item", CODE)])
    assert (f.code, f.rows) == ("DS102", FEW // 2) and "values of 10 row(s)" in f.message
    fill(db, Rows(FEW, code=lambda i: None))
    assert found(db, [o.DropColumn("item", CODE)]) == [], "a column holding only NULLs loses nothing"
    fill(db, Rows(0))
    assert found(db, [o.DropColumn("item", CODE)]) == []


def test_a_not_null_column_without_default_fails_only_on_a_table_with_rows(db):
    add = o.AddColumn("item", Column("sku", "varchar(10)", nullable=False))
    fill(db, Rows(FEW))
    [f] = found(db, [add])
    assert (f.code, f.severity, f.rows) == ("DS105", "error", FEW)
    fill(db, Rows(0))
    assert found(db, [add]) == []


def test_nulls_under_set_not_null_are_counted_and_shown(db):
    make_required = o.AlterColumn("item", NAME, Column("name", "varchar(40)", nullable=False))
    fill(db, Rows(FEW, name=lambda i: None if i in (4, 9) else "x"))
    [f] = found(db, [make_required])
    assert (f.code, f.severity, f.rows) == ("DS111", "error", 2)
    assert "2 row(s) hold NULL" in f.message and "id=4" in f.message and "id=9" in f.message
    fill(db, Rows(FEW))
    assert found(db, [make_required]) == [], "no NULL on a small table: nothing to say"
    fill(db, Rows(MANY))
    expected = [("DS104", "warning")] if pg(db) else []  # PostgreSQL scans a large table under its lock
    assert codes(found(db, [make_required])) == expected


def test_a_backfill_before_set_not_null_leaves_nothing_to_fail_on(db):
    fill(db, Rows(FEW, name=lambda i: None))
    ops = [o.Backfill("item", "name", "'-'"),
           o.AlterColumn("item", NAME, Column("name", "varchar(40)", nullable=False))]
    assert found(db, ops) == []


def test_duplicates_under_a_new_unique_key_are_counted_on_both_databases(db):
    unique = o.AddConstraint("item", Unique(("code",), "uq_item_code"))
    index = o.CreateIndex("item", Index("ix_item_code", ("code",), unique=True))
    fill(db, Rows(FEW, code=lambda i: "same" if i <= 3 else f"c{i}"))
    for op in (unique, index):
        [f] = [f for f in found(db, [op]) if f.code == "DS112"]
        assert (f.severity, f.rows) == ("error", 3) and "code='same' (3 rows)" in f.message
    fill(db, Rows(FEW, code=lambda i: None if i <= 3 else f"c{i}"))
    assert found(db, [unique]) == found(db, [index]) == [], "NULLs never clash; the rest are distinct"
    fill(db, Rows(MANY))
    expected = [("DS106", "warning")] if pg(db) else []
    assert codes(found(db, [unique])) == codes(found(db, [index])) == expected


def test_rows_a_new_foreign_key_rejects_are_counted(db):
    fk = o.AddConstraint("item", ForeignKey(("cat_id",), "cat", ("id",), "fk_item_cat"))
    fill(db, Rows(FEW, cat_id=lambda i: 9 if i == 5 else (None if i == 6 else 1)))
    [f] = [f for f in found(db, [fk]) if f.code == "DS113"]
    assert (f.severity, f.rows) == ("error", 1) and "id=5 cat_id=9" in f.message
    fill(db, Rows(FEW))
    assert found(db, [fk]) == [], "every row matches: nothing to say on a small table"
    fill(db, Rows(MANY))
    assert codes(found(db, [fk])) == [("DS107", "warning") if pg(db) else ("DS116", "warning")], "a lock, or a copy"


def test_rows_a_new_check_rejects_are_counted(db):
    check = o.AddConstraint("item", Check("qty >= 0", "ck_item_qty"))
    fill(db, Rows(FEW, qty=lambda i: -i if i > 17 else i))
    [f] = [f for f in found(db, [check]) if f.code == "DS114"]
    assert (f.severity, f.rows) == ("error", 3)
    fill(db, Rows(FEW, qty=lambda i: None if i == 1 else i))
    assert found(db, [check]) == [], "NULL passes a CHECK"
    fill(db, Rows(MANY))
    assert codes(found(db, [check])) == [("DS107", "warning") if pg(db) else ("DS116", "warning")], "a lock, or a copy"


def test_values_too_long_for_a_narrowed_type_are_counted(db):
    narrow = o.AlterColumn("item", CODE, Column("code", "varchar(3)"))
    fill(db, Rows(FEW))  # c1 … c20: none longer than 3 characters
    assert found(db, [narrow]) == [], "every value fits, and the table is small"
    fill(db, Rows(FEW, code=lambda i: "x" * (i % 5 + 1)))  # lengths 1-5: 8 rows longer than 3
    [f] = [f for f in found(db, [narrow]) if f.code == "DS115"]
    assert (f.severity, f.rows) == ("error", 8) and "at most 3 characters" in f.message
    widen = o.AlterColumn("item", CODE, Column("code", "varchar(80)"))
    assert found(db, [widen]) == [], "a widening loses nothing and rewrites nothing"


def test_a_type_change_that_rewrites_warns_only_on_a_large_table(db):
    bigger = o.AlterColumn("item", QTY, Column("qty", "bigint"))
    fill(db, Rows(FEW))
    assert found(db, [bigger]) == []
    fill(db, Rows(MANY))
    [f] = found(db, [bigger])
    assert (f.code, f.severity) == ("DS103", "warning") and f"{MANY} rows" in f.message


def test_an_index_warns_only_on_a_large_postgresql_table(db):
    index = o.CreateIndex("item", Index("ix_item_qty", ("qty",)))
    fill(db, Rows(FEW))
    assert found(db, [index]) == []
    fill(db, Rows(MANY))
    assert codes(found(db, [index])) == ([("DS106", "warning")] if pg(db) else [])
    assert found(db, [index], large=MANY + 1) == [], "the threshold is the configured one"


def test_enum_values_in_use_are_counted(db):
    if pg(db):
        with db.begin() as conn:
            conn.exec_driver_sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
            conn.exec_driver_sql("ALTER TABLE item ADD COLUMN mood mood")
        fill(db, Rows(FEW))
        with db.begin() as conn:
            conn.exec_driver_sql("UPDATE item SET mood = 'sad' WHERE id <= 2")
        drop_sad = o.AlterEnum(Enum("mood", ("sad", "ok", "happy")), Enum("mood", ("ok", "happy")))
    else:
        with db.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE item ADD COLUMN mood enum('sad','ok','happy')")
        fill(db, Rows(FEW))
        with db.begin() as conn:
            conn.exec_driver_sql("UPDATE item SET mood = 'sad' WHERE id <= 2")
        drop_sad = o.AlterColumn("item", Column("mood", "enum('sad','ok','happy')"), Column("mood", "enum('ok','happy')"))
    [f] = found(db, [drop_sad])
    assert (f.code, f.severity, f.rows) == ("DS109", "error", 2)
    with db.begin() as conn:
        conn.exec_driver_sql("UPDATE item SET mood = 'ok'")
    assert found(db, [drop_sad]) == [], "no row holds the value removed"


def test_hand_written_deletes_say_how_many_rows_they_remove(db):
    fill(db, Rows(FEW))
    [f] = found(db, [o.RunSQL("DELETE FROM item")])
    assert (f.code, f.severity, f.rows, f.heuristic) == ("DS110", "error", FEW, True)
    fill(db, Rows(0))
    assert found(db, [o.RunSQL("DELETE FROM item")]) == []


# --- what the plan does before a step ----------------------------------------------------------------


def test_a_table_created_earlier_in_the_plan_raises_nothing(db):
    new = Table("fresh", (ID, NAME))
    ops = [o.CreateTable(new), o.CreateIndex("fresh", Index("ix_fresh_name", ("name",), unique=True)),
           o.AlterColumn("fresh", NAME, Column("name", "varchar(40)", nullable=False))]
    assert found(db, ops) == []


def test_rows_an_earlier_pending_migration_changes_are_not_judged_by_the_rows_before_it(db):
    fill(db, Rows(FEW, name=lambda i: None))
    with db.connect() as conn:
        result = data_findings(conn, [
            ("r1", [o.RunSQL("UPDATE item SET name = 'x' WHERE name IS NULL")]),
            ("r2", [o.AlterColumn("item", NAME, Column("name", "varchar(40)", nullable=False))]),
        ], LARGE)
    assert not any(f.confirmed for f in result["r2"]), "r1 fills the NULLs first: not an error on today's rows"


def test_every_code_has_one_severity():
    assert SEVERITY["DS111"] == SEVERITY["DS112"] == SEVERITY["DS115"] == "error"
    assert SEVERITY["DS104"] == SEVERITY["DS106"] == SEVERITY["DS107"] == "warning"


def test_a_change_mariadb_runs_by_copying_a_large_table_is_a_warning(db):
    check = o.AddConstraint("item", Check("qty >= 0", "ck_item_qty"))
    index = o.CreateIndex("item", Index("ix_item_qty", ("qty",)))
    fill(db, Rows(FEW))
    assert found(db, [check]) == [], "a small table is copied in no time"
    fill(db, Rows(MANY))
    if pg(db):
        assert codes(found(db, [check])) == [("DS107", "warning")], "PostgreSQL copies nothing"
        return
    [f] = found(db, [check])
    assert (f.code, f.severity) == ("DS116", "warning") and f"{MANY} rows" in f.message and "CHECK" in f.message
    assert found(db, [index]) == [], "an index is built in place while writes go on"
    bigger = o.AlterColumn("item", QTY, Column("qty", "bigint"))
    assert codes(found(db, [bigger])) == [("DS103", "warning")], "a type change says it once"

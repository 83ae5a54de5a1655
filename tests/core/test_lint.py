"""lint(ops, dialect): which operations are named unsafe, with which stable code, on which dialect."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbshift.core import ops as o
from dbshift.core.findings import CODES, SEVERITY
from dbshift.core.lint import lint
from dbshift.core.model import Check, Column, Enum, ForeignKey, Index, Table, Unique

DIALECTS = ("postgresql", "sqlite", "mysql")
ID = Column("id", "integer", nullable=False)
NAME = Column("name", "varchar(50)")
PRODUCT = Table("product", (ID, NAME))


def codes(ops, dialect: str = "postgresql", **kw) -> list[str]:
    return [f.code for f in lint(ops, dialect, **kw)]


def alter(old: Column, new: Column) -> o.AlterColumn:
    return o.AlterColumn("product", old, new)


def test_every_code_is_documented_in_the_module():
    import dbshift.core.lint as module

    assert list(CODES) == [f"DS1{n:02}" for n in range(1, 17)]
    assert all(code in module.__doc__ for code in CODES)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert all(f"| {code} | {SEVERITY[code]} |" in readme for code in CODES), "each code has its line in the README"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_drop_table_loses_data_everywhere(dialect):
    [finding] = lint([o.DropTable(PRODUCT)], dialect)
    assert (finding.code, finding.severity, finding.op) == ("DS101", "error", "drop table product")
    assert "rows" in finding.message and finding.suggestion


@pytest.mark.parametrize("dialect", DIALECTS)
def test_drop_column_of_an_existing_table(dialect):
    assert codes([o.DropColumn("product", NAME)], dialect) == ["DS102"]


def test_ops_on_a_table_created_in_the_same_migration_are_not_flagged():
    ops = [
        o.CreateTable(PRODUCT),
        o.CreateIndex("product", Index("ix_name", ("name",))),
        o.AddColumn("product", Column("price", "integer", nullable=False)),
        o.AlterColumn("product", NAME, Column("name", "text", nullable=False)),
        o.AddConstraint("product", Check("id > 0", "ck_id")),
    ]
    assert codes(ops) == []


def test_the_same_ops_on_an_existing_table_are_flagged():
    ops = [
        o.CreateIndex("product", Index("ix_name", ("name",))),
        o.AddColumn("product", Column("price", "integer", nullable=False)),
        o.AddConstraint("product", Check("id > 0", "ck_id")),
    ]
    assert codes(ops) == ["DS106", "DS105", "DS107"]


@pytest.mark.parametrize("old,new,flagged", [
    ("varchar(50)", "varchar(100)", False),
    ("varchar(50)", "varchar", False),
    ("varchar(50)", "text", False),
    ("numeric(10,2)", "numeric(12,2)", False),
    ("varchar(100)", "varchar(50)", True),
    ("numeric(10,2)", "numeric(10,4)", True),
    ("integer", "bigint", True),
    ("text", "integer", True),
])
def test_postgresql_type_changes_only_flag_rewrites(old, new, flagged):
    assert codes([alter(Column("c", old), Column("c", new))]) == (["DS103"] if flagged else [])


def test_sqlite_type_changes_flag_a_change_of_base_type_only():
    assert codes([alter(Column("c", "varchar(50)"), Column("c", "varchar(10)"))], "sqlite") == []
    assert codes([alter(Column("c", "varchar(50)"), Column("c", "integer"))], "sqlite") == ["DS103"]


@pytest.mark.parametrize("dialect", ("mysql", "mariadb"))
def test_mysql_type_changes_copy_the_table(dialect):
    [finding] = lint([alter(Column("c", "varchar(50)"), Column("c", "varchar(100)"))], dialect)
    assert finding.code == "DS103" and "copies the table" in finding.message
    assert codes([alter(Column("c", "integer"), Column("c", "bigint"))], dialect) == ["DS103"]


@pytest.mark.parametrize("old,new", [("varchar(10)", "varchar(60)"), ("varchar(100)", "varchar(500)")])
def test_mysql_varchar_widening_in_place_is_fine(old, new):
    assert codes([alter(Column("c", old), Column("c", new))], "mysql") == []


def test_set_not_null_suggests_a_validated_check_on_postgresql():
    [finding] = lint([alter(NAME, Column("name", "varchar(50)", nullable=False))], "postgresql")
    assert finding.code == "DS104" and "ACCESS EXCLUSIVE" in finding.message
    assert "NOT VALID" in finding.suggestion and "VALIDATE" in finding.suggestion


@pytest.mark.parametrize("dialect", ("sqlite", "mysql"))
def test_set_not_null_elsewhere_warns_about_nulls(dialect):
    [finding] = lint([alter(NAME, Column("name", "varchar(50)", nullable=False))], dialect)
    assert finding.code == "DS104" and "NULL" in finding.message and "ACCESS EXCLUSIVE" not in finding.message


def test_type_change_and_not_null_together_give_two_findings():
    assert codes([alter(NAME, Column("name", "integer", nullable=False))]) == ["DS103", "DS104"]


@pytest.mark.parametrize("column", [
    Column("price", "integer"),
    Column("price", "integer", nullable=False, default="0"),
    Column("seq", "integer", nullable=False, autoincrement=True),
    Column("total", "integer", nullable=False, computed="id * 2"),
])
def test_add_column_that_can_fill_existing_rows_is_fine(column):
    assert codes([o.AddColumn("product", column)], "sqlite") == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_add_not_null_column_without_default(dialect):
    [finding] = lint([o.AddColumn("product", Column("price", "integer", nullable=False))], dialect)
    assert finding.code == "DS105" and "server_default" in finding.suggestion


def test_create_index_suggests_concurrently_on_postgresql_only():
    op = o.CreateIndex("product", Index("ix_name", ("name",), unique=True, where="name IS NOT NULL"))
    [finding] = lint([op], "postgresql")
    assert "CREATE UNIQUE INDEX CONCURRENTLY ix_name ON product (name) WHERE name IS NOT NULL" in finding.suggestion
    assert codes([op], "sqlite") == codes([op], "mysql") == []


def test_unique_constraint_on_an_existing_table_builds_an_index():
    assert codes([o.AddConstraint("product", Unique(("name",), "uq_name"))]) == ["DS106"]
    assert codes([o.AddConstraint("product", Unique(("name",), "uq_name"))], "mysql") == []


def test_foreign_key_suggests_not_valid_then_validate():
    fk = ForeignKey(("id",), "other", ("id",), "fk_other")
    [finding] = lint([o.AddConstraint("product", fk)], "postgresql")
    assert finding.code == "DS107" and "NOT VALID" in finding.suggestion and "VALIDATE CONSTRAINT fk_other" in finding.suggestion
    assert codes([o.AddConstraint("product", fk)], "sqlite") == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renames_break_running_code(dialect):
    assert codes([o.RenameTable("product", "item"), o.RenameColumn("item", "name", "title")], dialect) == ["DS108", "DS108"]


def test_a_table_renamed_after_being_created_stays_new():
    ops = [o.CreateTable(PRODUCT), o.RenameTable("product", "item"), o.CreateIndex("item", Index("ix", ("name",)))]
    assert codes(ops) == ["DS108"]


def test_enum_values_removed():
    old, new = Enum("mood", ("happy", "sad", "ok")), Enum("mood", ("happy", "ok"))
    [finding] = lint([o.AlterEnum(old, new)], "postgresql")
    assert finding.code == "DS109" and "sad" in finding.message
    assert codes([o.AlterEnum(new, old)]) == [], "adding a value is safe"
    assert codes([o.AlterEnum(old, Enum("mood", ("happy", "unhappy", "ok")), (("sad", "unhappy"),))]) == []


def test_mysql_inline_enum_values_removed():
    op = alter(Column("c", "enum('a','b')"), Column("c", "enum('a')"))
    assert codes([op], "mysql") == ["DS109"]
    assert codes([alter(Column("c", "enum('a')"), Column("c", "enum('a','b')"))], "mysql") == ["DS103"]


@pytest.mark.parametrize("sql,expected", [
    ("DROP TABLE product", ["DS110"]),
    ("ALTER TABLE product DROP COLUMN name", ["DS110"]),
    ("ALTER TABLE product DROP notes", ["DS110"]),
    ("ALTER TABLE product DROP CONSTRAINT ck_id", []),
    ("TRUNCATE product", ["DS110"]),
    ("DELETE FROM product", ["DS110"]),
    ("DELETE FROM product WHERE id = 1", []),
    ("DROP INDEX ix_name", []),
    ("ALTER TABLE product ALTER COLUMN name DROP NOT NULL", []),
    ("-- tidy up\nDELETE FROM product;\nUPDATE product SET name = 'x' WHERE id = 1", ["DS110"]),
    ("CREATE INDEX ix ON product (name)", ["DS106"]),
    ("CREATE INDEX CONCURRENTLY ix ON product (name)", []),
    ("CREATE TABLE t (a int); CREATE INDEX ix ON t (a)", []),
    ("ALTER TABLE product ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES other (id)", ["DS107"]),
    ("ALTER TABLE product ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES other (id) NOT VALID", []),
    ("ALTER TABLE product ALTER COLUMN name SET NOT NULL", ["DS104"]),
    ("ALTER TABLE product RENAME COLUMN name TO title", ["DS108"]),
])
def test_hand_written_sql_on_postgresql(sql, expected):
    findings = lint([o.RunSQL(sql)], "postgresql")
    assert [f.code for f in findings] == expected
    assert all(f.heuristic and "heuristic" in f.message for f in findings)


def test_hand_written_sql_only_flags_what_is_real_for_the_dialect():
    assert codes([o.RunSQL("CREATE INDEX ix ON product (name)")], "mysql") == []
    assert codes([o.RunSQL("ALTER TABLE product ADD CONSTRAINT ck CHECK (id > 0)")], "sqlite") == []
    assert codes([o.RunSQL("DELETE FROM product")], "sqlite") == ["DS110"]


def test_sql_on_a_table_created_by_an_earlier_op_is_not_flagged():
    assert codes([o.CreateTable(PRODUCT), o.RunSQL("CREATE INDEX ix ON product (name)")]) == []


def test_ignore_leaves_codes_out():
    ops = [o.DropTable(PRODUCT), o.DropColumn("other", NAME)]
    assert codes(ops, ignore=("DS101",)) == ["DS102"]


def test_safe_operations_give_no_findings():
    ops = [
        o.AddColumn("product", Column("price", "integer")),
        o.AlterColumn("product", NAME, Column("name", "varchar(50)", comment="shown")),
        o.DropIndex("product", Index("ix_name", ("name",))),
        o.CreateEnum(Enum("mood", ("a",))),
        o.RunSQL("UPDATE product SET name = 'x' WHERE name IS NULL"),
    ]
    assert all(codes(ops, d) == [] for d in DIALECTS)


def test_set_not_null_after_a_backfill_is_flagged_only_for_the_postgresql_scan():
    required = Column("name", "varchar(50)", nullable=False)
    ops = [o.Backfill("product", "name", "''"), alter(NAME, required)]
    assert codes(ops, "sqlite") == codes(ops, "mysql") == []
    assert codes(ops, "postgresql") == ["DS104"]
    assert codes([o.Backfill("product", "other", "''"), alter(NAME, required)], "sqlite") == ["DS104"]

"""A change of a named enum type's values on MySQL/MariaDB and SQLite: the SQL of the columns it changes."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.model import Check, Column, Enum, PrimaryKey, Schema, Table
from dbshift.render import Guard, UnsupportedOperation, render

MOOD = Enum("mood", ("happy", "sad"))
ID = Column("id", "integer", nullable=False)
PERSON = (("person", "mood"),)


def person(mood_type: str, **column) -> Table:  # noqa: ANN003
    return Table("person", (ID, Column("mood", mood_type, **column)), PrimaryKey(("id",)))


def sql(op: o.Op, dialect: str, *tables: Table) -> list[str]:
    return [s.sql for s in render(op, dialect, Schema.of(tables, [MOOD]))]


# --- MySQL / MariaDB: MODIFY of each column ------------------------------------------------------


def test_mysql_modifies_each_named_column_keeping_all_else_it_has():
    table = person("enum('happy','sad')", nullable=False, default="'sad'", comment="how they feel",
                   collation="utf8mb4_bin")
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "meh", "sad")), columns=PERSON)
    assert sql(op, "mariadb", table) == [
        "ALTER TABLE person MODIFY COLUMN mood ENUM('happy', 'meh', 'sad') COLLATE utf8mb4_bin NOT NULL "
        "DEFAULT 'sad' COMMENT 'how they feel'"
    ]


def test_mysql_moves_a_renamed_value_through_a_wider_column_so_no_row_loses_it():
    table = person("enum('happy','sad')", nullable=False, default="'sad'")
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "blue")), (("sad", "blue"),), PERSON)
    assert sql(op, "mysql", table) == [
        "ALTER TABLE person MODIFY COLUMN mood ENUM('happy', 'sad', 'blue') NOT NULL DEFAULT 'sad'",
        "UPDATE person SET mood = CASE mood WHEN 'sad' THEN 'blue' ELSE mood END WHERE mood IN ('sad')",
        "ALTER TABLE person MODIFY COLUMN mood ENUM('happy', 'blue') NOT NULL DEFAULT 'blue'",
    ]


def test_mysql_checks_every_column_before_removing_a_value_from_any():
    pet = Table("pet", (ID, Column("mood", "enum('happy','sad')")), PrimaryKey(("id",)))
    op = o.AlterEnum(MOOD, Enum("mood", ("happy",)), columns=PERSON + (("pet", "mood"),))
    statements = render(op, "mysql", Schema.of([person("enum('happy','sad')"), pet], [MOOD]))
    assert [type(s) for s in statements] == [Guard, Guard, type(statements[2]), type(statements[3])]
    assert statements[0].sql == "SELECT id, mood FROM person WHERE mood IN ('sad')"
    assert statements[0].failure([{"id": 2, "mood": "sad"}], 1) == (
        "cannot remove value(s) sad from enum type mood: 1 row(s) of person.mood still hold them (row(s) 2); "
        "change those rows first"
    )
    assert statements[2].sql == "ALTER TABLE person MODIFY COLUMN mood ENUM('happy')"


def test_mysql_changes_only_the_columns_named():
    other = Table("survey", (ID, Column("answer", "enum('happy','sad')")), PrimaryKey(("id",)))
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "sad", "meh")), columns=PERSON)
    assert sql(op, "mysql", person("enum('happy','sad')"), other) == [
        "ALTER TABLE person MODIFY COLUMN mood ENUM('happy', 'sad', 'meh')"
    ]


def test_mysql_without_named_columns_changes_each_inline_enum_of_exactly_the_old_values():
    """A file written before changes named their columns: the columns are found by their values."""
    other = Table("survey", (ID, Column("answer", "enum('sad','happy')"), Column("note", "varchar(5)")),
                  PrimaryKey(("id",)))
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "sad", "meh")))
    assert sql(op, "mysql", person("enum('happy','sad')"), other) == [
        "ALTER TABLE person MODIFY COLUMN mood ENUM('happy', 'sad', 'meh')"
    ]


# --- SQLite: text, maybe a CHECK -------------------------------------------------------------------


def test_sqlite_changes_nothing_when_the_text_is_long_enough_and_no_check_lists_the_values():
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "meh", "sad")), columns=PERSON)
    assert sql(op, "sqlite", person("varchar(5)")) == []


def test_sqlite_updates_the_rows_of_a_renamed_value_in_place():
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "blue")), (("sad", "blue"),), PERSON)
    assert sql(op, "sqlite", person("varchar(5)")) == [
        "UPDATE person SET mood = CASE mood WHEN 'sad' THEN 'blue' ELSE mood END WHERE mood IN ('sad')"
    ]


def test_sqlite_rebuilds_a_table_whose_text_must_grow():
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "sad", "disgusted")), columns=PERSON)
    statements = sql(op, "sqlite", person("varchar(5)", nullable=False, default="'sad'"))
    created = next(s for s in statements if s.startswith("CREATE TABLE _dbshift_new_person"))
    assert "mood VARCHAR(9) DEFAULT 'sad' NOT NULL" in created
    assert "INSERT INTO _dbshift_new_person (id, mood) SELECT id, mood FROM person" in statements


def test_sqlite_rebuilds_a_table_whose_check_lists_the_values_renaming_as_it_copies():
    table = Table("person", (ID, Column("mood", "varchar(5)", default="'sad'")), PrimaryKey(("id",)),
                  checks=(Check("mood IN ('happy', 'sad')", "mood"),))
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "blue")), (("sad", "blue"),), PERSON)
    statements = sql(op, "sqlite", table)
    created = next(s for s in statements if s.startswith("CREATE TABLE _dbshift_new_person"))
    assert "mood VARCHAR(5) DEFAULT 'blue'" in created
    assert "CONSTRAINT mood CHECK (mood IN ('happy', 'blue'))" in created
    assert ("INSERT INTO _dbshift_new_person (id, mood) SELECT id, CASE mood WHEN 'sad' THEN 'blue' ELSE mood END "
            "FROM person") in statements
    assert not any(s.startswith("UPDATE") for s in statements), "the copy renames"


def test_sqlite_refuses_a_change_that_does_not_name_its_columns():
    """Text could be any column's: only the migration can say which columns hold the enum's values."""
    op = o.AlterEnum(MOOD, Enum("mood", ("happy", "blue")), (("sad", "blue"),))
    with pytest.raises(UnsupportedOperation, match="does not name the columns of enum type mood"):
        render(op, "sqlite", Schema.of([person("varchar(5)")], [MOOD]))


def test_sqlite_checks_the_rows_before_removing_a_value():
    op = o.AlterEnum(MOOD, Enum("mood", ("happy",)), columns=PERSON)
    statements = render(op, "sqlite", Schema.of([person("varchar(5)")], [MOOD]))
    assert isinstance(statements[0], Guard)
    assert statements[0].sql == "SELECT id, mood FROM person WHERE mood IN ('sad')"

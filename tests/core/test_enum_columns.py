"""A change of an enum type's values changes the columns holding them, however each database spells them."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.diff import Equivalence, fold_enum_changes
from dbshift.core.model import Check, Column, Enum, PrimaryKey, Schema, Table

MOOD = Enum("mood", ("happy", "sad"))
RENAMED = Enum("mood", ("happy", "blue", "disgusted"))
ID = Column("id", "integer", nullable=False)


def person(mood: Column, *checks: Check) -> Table:
    return Table("person", (ID, mood), PrimaryKey(("id",)), checks=checks)


@pytest.mark.parametrize(
    "before, after",
    [
        # PostgreSQL: the type by its name (found without being named)
        (Column("mood", "enum:mood('happy','sad')", default="'sad'::mood"),
         Column("mood", "enum:mood('happy','blue','disgusted')", default="'blue'::mood")),
        # MySQL, MariaDB: inline
        (Column("mood", "enum('happy','sad')", default="'sad'"),
         Column("mood", "enum('happy','blue','disgusted')", default="'blue'")),
        # SQLite: text as long as the longest value
        (Column("mood", "varchar(5)", default="'sad'"), Column("mood", "varchar(9)", default="'blue'")),
        # text of a length of its own, long enough
        (Column("mood", "varchar(20)", default="'happy'"), Column("mood", "varchar(20)", default="'happy'")),
    ],
    ids=["postgresql", "mysql", "sqlite", "sqlite-own-length"],
)
def test_the_columns_named_take_the_new_values_and_the_reverse_gives_the_old_ones(before, after):
    op = o.AlterEnum(MOOD, RENAMED, (("sad", "blue"),), (("person", "mood"),))
    schema = Schema.of([person(before)], [MOOD])
    changed = op.apply(schema)
    assert changed.table("person").column("mood") == after
    assert changed.enum("mood") == RENAMED
    assert op.reverse().apply(changed) == schema


def test_a_check_listing_exactly_the_old_values_lists_the_new_ones():
    check = Check("mood IN ('happy', 'sad')", "mood")
    other = Check("id IN ('happy', 'sad')", "odd")
    op = o.AlterEnum(MOOD, RENAMED, (("sad", "blue"),), (("person", "mood"),))
    changed = op.apply(Schema.of([person(Column("mood", "varchar(5)"), check, other)], [MOOD]))
    assert changed.table("person").checks == (Check("mood IN ('happy', 'blue', 'disgusted')", "mood"), other)


def test_columns_not_named_keep_their_values_unless_the_type_names_them():
    survey = Table("survey", (ID, Column("answer", "enum('happy','sad')"), Column("pg", "enum:mood('happy','sad')")))
    op = o.AlterEnum(MOOD, RENAMED, columns=(("person", "mood"),))
    changed = op.apply(Schema.of([person(Column("mood", "varchar(5)")), survey], [MOOD]))
    assert changed.table("survey").column("answer").type == "enum('happy','sad')"
    assert changed.table("survey").column("pg").type == "enum:mood('happy','blue','disgusted')"


def test_a_change_naming_no_columns_finds_inline_enums_by_their_values():
    survey = Table("survey", (ID, Column("answer", "enum('happy','sad')"), Column("other", "enum('sad','happy')")))
    changed = o.AlterEnum(MOOD, RENAMED).apply(Schema.of([survey], [MOOD]))
    assert [c.type for c in changed.table("survey").columns[1:]] == ["enum('happy','blue','disgusted')",
                                                                    "enum('sad','happy')"]


def test_a_named_column_the_schema_lacks_is_left_alone():
    op = o.AlterEnum(MOOD, RENAMED, columns=(("gone", "mood"),))
    schema = Schema.of([person(Column("mood", "varchar(5)"))], [MOOD])
    assert op.apply(schema).tables == schema.tables


# --- what a change leaves for the column changes to do ------------------------------------------------


def test_column_changes_the_enum_change_makes_are_folded_into_it():
    change = o.AlterEnum(MOOD, RENAMED, (("sad", "blue"),), (("person", "mood"),))
    old, new = Column("mood", "varchar(5)", default="'sad'"), Column("mood", "varchar(9)", default="'blue'")
    check_before, check_after = Check("mood IN ('happy', 'sad')", "mood"), Check("mood IN ('happy', 'blue', 'disgusted')",
                                                                                  "mood")
    ops = [o.AlterColumn("person", old, new), o.DropConstraint("person", check_before),
           o.AddConstraint("person", check_after), o.AlterColumn("other", old, new)]
    assert fold_enum_changes(ops, [change], Equivalence()) == [o.AlterColumn("other", old, new)]


def test_what_else_a_column_change_does_stays_from_the_column_as_the_enum_change_leaves_it():
    change = o.AlterEnum(MOOD, RENAMED, (("sad", "blue"),), (("person", "mood"),))
    old = Column("mood", "enum('happy','sad')", default="'sad'")
    new = Column("mood", "enum('happy','blue','disgusted')", nullable=False, default="'blue'")
    [kept] = fold_enum_changes([o.AlterColumn("person", old, new)], [change], Equivalence())
    assert kept == o.AlterColumn("person", Column("mood", "enum('happy','blue','disgusted')", default="'blue'"), new)
    assert kept.changes == ("nullable",)

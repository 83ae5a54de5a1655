"""Type changes with casts, the enum lifecycle, table renames and dependency order, on real databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# --- PostgreSQL: type changes carry a USING cast --------------------------------------


def typed(n_type: sa.types.TypeEngine, ref_type: sa.types.TypeEngine, flag_type: sa.types.TypeEngine):
    def build(md: sa.MetaData) -> None:
        sa.Table(
            "reading", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("n", n_type),
            sa.Column("ref", ref_type),
            sa.Column("flag", flag_type),
        )
    return build


def test_postgres_type_changes_cast_existing_rows(pg_url, roundtrip, rows):
    a = typed(sa.Text, sa.String(36), sa.Integer)
    b = typed(sa.Integer, sa.Uuid, sa.Boolean)
    seed = ["INSERT INTO reading (id, n, ref, flag) VALUES (1, '12', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1), "
            "(2, '-3', '00000000-0000-0000-0000-000000000000', 0)"]
    result = roundtrip(pg_url, a, b, seed, {"reading": "id, n::text, ref::text"})
    assert [type(op).__name__ for op in result.ops] == ["AlterColumn"] * 3
    assert rows(pg_url, "reading", "id, n, ref::text, flag") == [
        (1, 12, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", True),
        (2, -3, "00000000-0000-0000-0000-000000000000", False),
    ]


def test_text_to_integer_and_integer_to_boolean_keep_values(db_url, roundtrip, rows):
    a = typed(sa.Text, sa.String(36), sa.Integer)
    b = typed(sa.Integer, sa.String(36), sa.Boolean)
    seed = ["INSERT INTO reading (id, n, ref, flag) VALUES (1, '12', 'x', 1), (2, '-3', 'y', 0)"]
    roundtrip(db_url, a, b, seed, {"reading": "id, ref"})
    assert [(i, n, bool(flag)) for i, n, flag in rows(db_url, "reading", "id, n, flag")] == [(1, 12, True), (2, -3, False)]


def test_postgres_boolean_to_and_from_other_numbers(pg_url, roundtrip, rows):
    a = typed(sa.BigInteger, sa.String(36), sa.Boolean)
    b = typed(sa.Boolean, sa.String(36), sa.Numeric(5, 2))
    seed = ["INSERT INTO reading (id, n, ref, flag) VALUES (1, 1, 'x', true), (2, 0, 'y', false)"]
    roundtrip(pg_url, a, b, seed, {"reading": "id, ref"})
    assert rows(pg_url, "reading", "id, n, flag") == [(1, True, 1), (2, False, 0)]


# --- PostgreSQL: native enum types ------------------------------------------------------


def people(*tables: str, mood=("happy", "sad")):  # noqa: ANN001
    def build(md: sa.MetaData) -> None:
        sa.Table("plain", md, sa.Column("id", sa.Integer, primary_key=True))
        for name in tables:
            sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", sa.Enum(*mood, name="mood")))
    return build


def test_enum_type_created_before_its_first_table(pg_url, roundtrip):
    result = roundtrip(pg_url, people(), people("person", "pet"))
    assert [type(op).__name__ for op in result.ops] == ["CreateEnum", "CreateTable", "CreateTable"]


def test_enum_type_dropped_after_its_last_table_and_recreated_first_on_downgrade(pg_url, roundtrip):
    result = roundtrip(pg_url, people("person", "pet"), people())
    assert [type(op).__name__ for op in result.ops] == ["DropTable", "DropTable", "DropEnum"]


def test_enum_type_stays_while_a_table_still_uses_it(pg_url, roundtrip):
    result = roundtrip(pg_url, people("person", "pet"), people("person"))
    assert [type(op).__name__ for op in result.ops] == ["DropTable"]


def with_mood_column(mood_type: sa.types.TypeEngine):
    def build(md: sa.MetaData) -> None:
        sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", mood_type))
    return build


def test_string_column_becomes_a_native_enum(pg_url, roundtrip, rows):
    result = roundtrip(pg_url, with_mood_column(sa.String(10)), with_mood_column(sa.Enum("happy", "sad", name="mood")),
                       ["INSERT INTO person (id, mood) VALUES (1, 'sad')"], {"person": "id, mood::text"})
    assert [type(op).__name__ for op in result.ops] == ["CreateEnum", "AlterColumn"]


def test_string_column_becomes_an_inline_enum(mysql_url, roundtrip, rows):
    result = roundtrip(mysql_url, with_mood_column(sa.String(10)), with_mood_column(sa.Enum("happy", "sad", name="mood")),
                       ["INSERT INTO person (id, mood) VALUES (1, 'sad')"], {"person": "id, mood"})
    # the enum type PostgreSQL needs when the migration runs there: nothing on MySQL
    assert [type(op).__name__ for op in result.ops] == ["CreateEnum", "AlterColumn"]


# --- every database: an enum kept as a CHECK constraint ---------------------------------


def checked_moods(*values: str):
    def build(md: sa.MetaData) -> None:
        enum = sa.Enum(*values, name="mood", native_enum=False, create_constraint=True, length=10)
        sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", enum))
    return build


def test_enum_as_check_constraint_gets_its_values_changed(db_url, roundtrip):
    result = roundtrip(db_url, checked_moods("happy", "sad"), checked_moods("happy", "meh", "sad"),
                       ["INSERT INTO person (id, mood) VALUES (1, 'sad')"], {"person": "id, mood"})
    assert sorted(type(op).__name__ for op in result.ops) == ["AddConstraint", "DropConstraint"]


# --- every database: table renames ------------------------------------------------------


def author(table: str = "author", **info):  # noqa: ANN003
    def build(md: sa.MetaData) -> None:
        sa.Table(table, md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)), info=info)
    return build


SEED = ["INSERT INTO author (id, name) VALUES (1, 'Ann'), (2, 'Bo')"]


def test_table_rename_from_a_hint_keeps_the_rows(db_url, roundtrip, rows):
    result = roundtrip(db_url, author(), author("writer"), SEED, renames=["author:writer"])
    assert [type(op).__name__ for op in result.ops] == ["RenameTable"]
    assert rows(db_url, "writer", "id, name") == [(1, "Ann"), (2, "Bo")]


def test_table_rename_declared_next_to_the_model_keeps_the_rows(db_url, roundtrip, rows):
    result = roundtrip(db_url, author(), author("writer", renamed_from="author"), SEED)
    assert [type(op).__name__ for op in result.ops] == ["RenameTable"]
    assert rows(db_url, "writer", "id, name") == [(1, "Ann"), (2, "Bo")]


def test_possible_table_rename_is_reported(db_url, roundtrip):
    result = roundtrip(db_url, author(), author("writer"), SEED)
    assert [p.describe() for p in result.possible_renames] == ["table author disappeared and writer appeared"]
    assert [p.hint for p in result.possible_renames] == ["author:writer"]


# --- every database: dependency order ---------------------------------------------------


def library(*, with_author: bool, with_fk: bool):
    def build(md: sa.MetaData) -> None:
        if with_author:
            sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True))
        fk = (sa.ForeignKeyConstraint(["author_id"], ["author.id"], name="fk_book_author"),) if with_fk else ()
        sa.Table("book", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("author_id", sa.Integer), *fk)
    return build


def test_foreign_key_dropped_before_the_table_it_points_at(db_url, roundtrip):
    result = roundtrip(db_url, library(with_author=True, with_fk=True), library(with_author=False, with_fk=False),
                       ["INSERT INTO author (id) VALUES (1)", "INSERT INTO book (id) VALUES (1)"], {"book": "id"})
    assert [type(op).__name__ for op in result.ops] == ["DropConstraint", "DropTable"]


def cycle(md: sa.MetaData) -> None:
    sa.Table("department", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("head_id", sa.Integer, sa.ForeignKey("employee.id", name="fk_department_head")))
    sa.Table("employee", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("department_id", sa.Integer, sa.ForeignKey("department.id", name="fk_employee_department")))


@pytest.mark.parametrize("direction", ["create", "drop"])
def test_foreign_key_cycle_split_out(db_url, roundtrip, direction):
    empty = author()
    a, b = (empty, lambda md: (empty(md), cycle(md))) if direction == "create" else (lambda md: (empty(md), cycle(md)), empty)
    result = roundtrip(db_url, a, b)
    names = [type(op).__name__ for op in result.ops]
    if direction == "create":
        assert names == ["CreateTable", "CreateTable", "AddConstraint"]
    else:
        assert names == ["DropConstraint", "DropTable", "DropTable"]


def tagged(*values: str):
    def build(md: sa.MetaData) -> None:
        sa.Table(
            "post", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tags", postgresql.ARRAY(sa.Enum(*values, name="tag"))),
        )
    return build


def test_postgres_array_of_enum_values_removed_and_renamed(pg_url, roundtrip, rows):
    seed = ["INSERT INTO post (id, tags) VALUES (1, '{news,sport}'), (2, '{}')"]
    roundtrip(pg_url, tagged("news", "sport", "misc"), tagged("news", "games"), seed, {"post": "id"},
              renames=["tag.sport:games"])
    assert rows(pg_url, "post", "id, tags::text") == [(1, "{news,games}"), (2, "{}")]


def test_a_referenced_table_changed_in_place_keeps_referencing_rows(db_url, roundtrip, rows):
    """On SQLite the parent is rebuilt (copied, dropped, renamed): the children and their keys stay."""

    def shelf(name_length: int):
        def build(md: sa.MetaData) -> None:
            sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(name_length)))
            sa.Table("book", md, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id", name="fk_book_author", ondelete="CASCADE")))
        return build

    seed = ["INSERT INTO author (id, name) VALUES (1, 'Ann')", "INSERT INTO book (id, author_id) VALUES (1, 1), (2, 1)"]
    roundtrip(db_url, shelf(20), shelf(80), seed, {"author": "id, name", "book": "id, author_id"})
    assert rows(db_url, "book", "id, author_id") == [(1, 1), (2, 1)]


def test_postgres_identity_options_change_without_restarting_the_numbering(pg_url, roundtrip, rows, execute):
    def counter(**identity):  # noqa: ANN003
        def build(md: sa.MetaData) -> None:
            sa.Table("ticket", md, sa.Column("id", sa.Integer, sa.Identity(**identity), primary_key=True),
                     sa.Column("note", sa.String(10)))
        return build

    seed = ["INSERT INTO ticket (note) VALUES ('a'), ('b'), ('c')"]
    result = roundtrip(pg_url, counter(), counter(always=True, increment=10), seed, {"ticket": "id, note"})
    assert [type(op).__name__ for op in result.ops] == ["AlterColumn"]
    execute(pg_url, "INSERT INTO ticket (note) VALUES ('d')")
    assert rows(pg_url, "ticket", "id, note")[-1] == (13, "d"), "numbering goes on from 3, by 10"


def test_postgres_enum_from_another_schema_with_a_default(pg_url, roundtrip, execute):
    """PostgreSQL writes the default as 'new'::audit.state: the schema-qualified cast is no difference."""
    execute(pg_url, "CREATE SCHEMA audit")

    def build(with_state: bool):
        def run(md: sa.MetaData) -> None:
            state = (sa.Column("state", sa.Enum("new", "done", name="state", schema="audit"), server_default="new"),)
            sa.Table("job", md, sa.Column("id", sa.Integer, primary_key=True), *(state if with_state else ()))
        return run

    result = roundtrip(pg_url, build(False), build(True), ["INSERT INTO job (id) VALUES (1)"], {"job": "id"})
    assert [type(op).__name__ for op in result.ops] == ["CreateEnum", "AddColumn"]

"""Operation → SQL for deferrable keys (PostgreSQL writes them, MySQL and SQLite have none), exclusions, and
constraints the models leave unnamed (dropped by the name the database gave them)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dbshift.core import ops as o
from dbshift.core.model import Check, Column, Exclude, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.core.errors import DbshiftError
from dbshift.render import render
from dbshift.render.base import ConstraintNotThere

PK = PrimaryKey(("id",), "seat_pkey", deferrable=True)
PLACE = Unique(("row", "pos"), "uq_seat_place", deferrable=True, initially_deferred=True)
SEAT = Table("seat", (Column("id", "integer", nullable=False), Column("row", "integer"), Column("pos", "integer")),
             PK, uniques=(PLACE,))


def sql(op: o.Op, dialect: str, schema: Schema = Schema()) -> list[str]:
    return [" ".join(s.sql.split()) for s in render(op, dialect, schema)]


def test_postgresql_create_table_with_deferrable_keys():
    assert sql(o.CreateTable(SEAT), "postgresql") == [
        "CREATE TABLE seat ( id INTEGER NOT NULL, row INTEGER, pos INTEGER, "
        "CONSTRAINT seat_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY IMMEDIATE, "
        "CONSTRAINT uq_seat_place UNIQUE (row, pos) DEFERRABLE INITIALLY DEFERRED )"
    ]


def test_postgresql_add_deferrable_keys():
    assert sql(o.AddConstraint("seat", PLACE), "postgresql") == [
        "ALTER TABLE seat ADD CONSTRAINT uq_seat_place UNIQUE (row, pos) DEFERRABLE INITIALLY DEFERRED"
    ]
    assert sql(o.AddConstraint("seat", PK), "postgresql") == [
        "ALTER TABLE seat ADD CONSTRAINT seat_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY IMMEDIATE"
    ]


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "mariadb"])
def test_deferrable_keys_are_left_out_elsewhere(dialect):
    created = " ".join(sql(o.CreateTable(SEAT), dialect))
    assert "UNIQUE" in created and "PRIMARY KEY" in created
    assert "DEFERRABLE" not in created


def test_exclusion_constraint_added_and_dropped():
    exclude = Exclude(("room WITH =", "tsrange(starts, ends) WITH &&"), "no_overlap", where="NOT cancelled",
                      include=("note",), deferrable=True)
    assert sql(o.AddConstraint("booking", exclude, "app"), "postgresql") == [
        "ALTER TABLE app.booking ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, tsrange(starts, ends) "
        "WITH &&) INCLUDE (note) WHERE (NOT cancelled) DEFERRABLE INITIALLY IMMEDIATE"
    ]
    assert sql(o.DropConstraint("booking", exclude), "postgresql") == ["ALTER TABLE booking DROP CONSTRAINT no_overlap"]


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "mariadb"])
def test_exclusion_constraint_refused_clearly_elsewhere(dialect):
    with pytest.raises(DbshiftError, match=f"cannot create constraint no_overlap on {dialect}: only PostgreSQL"):
        render(o.AddConstraint("seat", Exclude(("room WITH =",), "no_overlap")), dialect, Schema.of([SEAT]))


# --- constraints the models leave unnamed ----------------------------------------------------

POST = Table(
    "post",
    (Column("id", "integer", nullable=False), Column("author_id", "integer"), Column("editor_id", "integer"),
     Column("slug", "varchar(20)"), Column("lang", "varchar(5)"), Column("num", "integer")),
    PrimaryKey(("id",)),
    foreign_keys=(ForeignKey(("author_id",), "author", ("id",)), ForeignKey(("editor_id",), "author", ("id",))),
    uniques=(Unique(("slug", "lang")), Unique(("slug", "num"))),
    checks=(Check("num > 0"), Check("num < 1000")),
)
BY_EDITOR, SLUG_NUM, LESS_THAN = POST.foreign_keys[1], POST.uniques[1], POST.checks[1]


def read(table: Table, names: dict, own: dict | None = None) -> Schema:
    """``table`` as reflection reads it: each constraint's name chosen by the database kept as ``server_name``
    (``names``: by position in ``table.constraints``), MariaDB's indexes for keys kept on them (``own``)."""
    def named(i: int, c):
        c = replace(c, server_name=names.get(i))
        return replace(c, own_index=(own or {}).get(i)) if isinstance(c, ForeignKey) else c

    made = [named(i, c) for i, c in enumerate(table.constraints)]
    pk, rest = made[0], made[1:]
    return Schema.of([replace(table, primary_key=pk, foreign_keys=tuple(rest[:2]), uniques=tuple(rest[2:4]),
                              checks=tuple(rest[4:]))])


def test_an_unnamed_constraint_is_dropped_by_the_name_the_database_gave_it():
    schema = read(POST, {2: "post_editor_id_fkey", 4: "post_slug_num_key", 6: "post_num_check1"})
    assert sql(o.DropConstraint("post", BY_EDITOR), "postgresql", schema) == [
        "ALTER TABLE post DROP CONSTRAINT post_editor_id_fkey"
    ]
    assert sql(o.DropConstraint("post", SLUG_NUM), "postgresql", schema) == [
        "ALTER TABLE post DROP CONSTRAINT post_slug_num_key"
    ]
    # found by what it does: PostgreSQL's spelling of the CHECK is not the models'
    respelled = read(replace(POST, checks=(Check("(num > 0)"), Check("(num < 1000)"))), {6: "post_num_check1"})
    assert sql(o.DropConstraint("post", LESS_THAN), "postgresql", respelled) == [
        "ALTER TABLE post DROP CONSTRAINT post_num_check1"
    ]


def test_mariadb_drops_an_unnamed_key_and_exactly_the_index_innodb_made_for_it():
    schema = read(POST, {1: "post_ibfk_7", 2: "post_ibfk_9", 4: "slug_2", 6: "CONSTRAINT_4"}, own={2: "editor_id_2"})
    assert sql(o.DropConstraint("post", BY_EDITOR), "mariadb", schema) == [
        "ALTER TABLE post DROP FOREIGN KEY post_ibfk_9",
        "DROP INDEX editor_id_2 ON post",
    ]
    # another index serves author_id (none InnoDB made): only the key goes, never an index named after the column
    served = read(replace(POST, indexes=(Index("author_id", ("author_id", "slug")),)), {1: "post_ibfk_7"})
    assert sql(o.DropConstraint("post", POST.foreign_keys[0]), "mariadb", served) == [
        "ALTER TABLE post DROP FOREIGN KEY post_ibfk_7"
    ]
    assert sql(o.DropConstraint("post", SLUG_NUM), "mariadb", schema) == ["ALTER TABLE post DROP INDEX slug_2"]
    assert sql(o.DropConstraint("post", LESS_THAN), "mariadb", schema) == [
        "ALTER TABLE post DROP CONSTRAINT `CONSTRAINT_4`"
    ]


@pytest.mark.parametrize(("dialect", "expected"), [
    ("postgresql", ["ALTER TABLE post DROP CONSTRAINT post_editor_id_fkey",
                    "ALTER TABLE post DROP CONSTRAINT post_slug_num_key",
                    "ALTER TABLE post DROP CONSTRAINT post_num_check"]),
    ("mariadb", ["ALTER TABLE post DROP FOREIGN KEY post_ibfk_2", "DROP INDEX editor_id ON post",
                 "ALTER TABLE post DROP INDEX slug_2",
                 "ALTER TABLE post DROP CONSTRAINT `CONSTRAINT_2`"]),
])
def test_with_no_database_read_the_default_name_is_used_and_said(dialect, expected):
    """``--sql``: the schema comes from the migrations, which hold no name the database chose."""
    schema = Schema.of([POST])
    statements = [s.sql for op in (o.DropConstraint("post", BY_EDITOR), o.DropConstraint("post", SLUG_NUM),
                                   o.DropConstraint("post", LESS_THAN)) for s in render(op, dialect, schema)]
    assert [s.splitlines()[-1] for s in statements] == expected
    notes = [s.splitlines()[0] for s in statements if s.startswith("--")]
    assert len(notes) == 3 and all("by default; it was not read from the database" in n for n in notes)


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb", "sqlite"])
def test_an_unnamed_constraint_the_table_does_not_hold_is_refused(dialect):
    missing = ForeignKey(("lang",), "author", ("code",))
    with pytest.raises(ConstraintNotThere, match=r"^table post has no foreign key \(lang\) referencing author "
                                                  r"\(code\) to drop$"):
        render(o.DropConstraint("post", missing), dialect, read(POST, {}))

"""Operation → SQL for deferrable keys (PostgreSQL writes them, MySQL and SQLite have none) and exclusions."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.model import Column, Exclude, PrimaryKey, Schema, Table, Unique
from dbshift.core.errors import DbshiftError
from dbshift.render import render

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

"""Deferrable keys and exclusion constraints: detected, migrated both ways for real, never a false difference."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbshift import api
from dbshift.database.connect import create_engine
from tests.roundtrip.conftest import _config


def keys(*, deferrable: bool, initially: str | None = None):
    def build(md: sa.MetaData) -> None:
        sa.Table(
            "seat", md,
            sa.Column("id", sa.Integer, nullable=False),
            sa.Column("row", sa.Integer, nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            sa.PrimaryKeyConstraint("id", deferrable=deferrable, initially=initially),
            sa.UniqueConstraint("row", "position", name="uq_seat_place", deferrable=deferrable, initially=initially),
        )
    return build


def _swap_positions(url: str) -> None:
    """Swap two seats' places in one statement per row: only a deferred unique allows it."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql('UPDATE seat SET position = 2 WHERE id = 1')
        conn.exec_driver_sql('UPDATE seat SET position = 1 WHERE id = 2')
    engine.dispose()


def test_keys_become_deferrable_and_back(pg_url, roundtrip, rows):
    seed = ['INSERT INTO seat (id, "row", position) VALUES (1, 1, 1), (2, 1, 2)']
    result = roundtrip(pg_url, keys(deferrable=False), keys(deferrable=True, initially="DEFERRED"), seed,
                       {"seat": 'id, "row", position'})
    kinds = sorted(type(op).__name__ + ":" + type(op.constraint).__name__ for op in result.ops)
    assert kinds == ["AddConstraint:PrimaryKey", "AddConstraint:Unique",
                     "DropConstraint:PrimaryKey", "DropConstraint:Unique"]
    _swap_positions(pg_url)
    assert rows(pg_url, "seat", "id, position") == [(1, 2), (2, 1)]


def test_initially_immediate_to_deferred_is_a_change(pg_url, roundtrip):
    result = roundtrip(pg_url, keys(deferrable=True), keys(deferrable=True, initially="DEFERRED"))
    assert len(result.ops) == 4


def test_create_all_with_deferrable_keys_has_nothing_to_change(pg_url, tmp_path: Path):
    models = sa.MetaData()
    keys(deferrable=True, initially="DEFERRED")(models)
    sa.Table("other", models, sa.Column("id", sa.Integer), sa.PrimaryKeyConstraint("id", deferrable=True),
             sa.Column("code", sa.String(5), unique=True))
    engine = create_engine(pg_url)
    models.create_all(engine)
    engine.dispose()
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    assert api.check(_config(root, pg_url, models)).ops == ()


def test_deferrable_keys_are_left_out_where_the_database_has_none(sqlite_url, mysql_url, tmp_path: Path):
    for n, url in enumerate((sqlite_url, mysql_url)):
        models = sa.MetaData()
        keys(deferrable=True, initially="DEFERRED")(models)
        root = tmp_path / f"p{n}"
        (root / "migrations").mkdir(parents=True)
        config = _config(root, url, models)
        api.revision(config, "seats", autogenerate=True)
        api.upgrade(config)
        assert api.check(config).ops == ()


def bookings(*excludes):
    def build(md: sa.MetaData) -> None:
        t = sa.Table(
            "booking", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("starts", sa.DateTime, nullable=False),
            sa.Column("ends", sa.DateTime, nullable=False),
            sa.Column("during", postgresql.TSRANGE),
            sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false()),
        )
        for make in excludes:
            t.append_constraint(make(t))
    return build


def no_overlap(t: sa.Table):
    return postgresql.ExcludeConstraint((t.c.during, "&&"), name="no_overlap", where=sa.text("NOT cancelled"))


def no_overlap_even_cancelled(t: sa.Table):
    return postgresql.ExcludeConstraint((t.c.during, "&&"), name="no_overlap")


def no_overlap_of_times(t: sa.Table):  # unnamed, on an expression, deferred
    return postgresql.ExcludeConstraint((sa.func.tsrange(t.c.starts, t.c.ends), "&&"),
                                        deferrable=True, initially="DEFERRED")


def test_exclusion_constraints_added_and_dropped(pg_url, roundtrip, execute, rows):
    result = roundtrip(pg_url, bookings(), bookings(no_overlap, no_overlap_of_times))
    # the unnamed one stays unnamed in the migration; PostgreSQL names it, and the downgrade found that name
    assert sorted(op.constraint.name or "" for op in result.ops) == ["", "no_overlap"]
    excludes = [r for r in rows(pg_url, "pg_constraint", "conname, contype") if r[1] == "x"]
    assert excludes == [("booking_tsrange_excl", "x"), ("no_overlap", "x")]
    execute(pg_url, "INSERT INTO booking VALUES (1, '2026-01-01', '2026-01-03', '[2026-01-01,2026-01-03)', false)")
    with pytest.raises(sa.exc.IntegrityError, match="no_overlap"):
        execute(pg_url, "INSERT INTO booking VALUES (2, '2026-02-01', '2026-02-03', '[2026-01-02,2026-01-04)', false)")


def test_exclusion_predicate_changed_is_a_drop_and_add(pg_url, roundtrip):
    result = roundtrip(pg_url, bookings(no_overlap), bookings(no_overlap_even_cancelled))
    assert [type(op).__name__ for op in result.ops] == ["DropConstraint", "AddConstraint"]


def test_create_all_with_exclusion_constraints_has_nothing_to_change(pg_url, tmp_path: Path):
    models = sa.MetaData()
    bookings(no_overlap, no_overlap_of_times)(models)
    engine = create_engine(pg_url)
    models.create_all(engine)
    engine.dispose()
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    assert api.check(_config(root, pg_url, models)).ops == ()


def test_exclusion_constraints_are_left_out_where_the_database_has_none(sqlite_url, tmp_path: Path):
    models = sa.MetaData()
    t = sa.Table("slot", models, sa.Column("id", sa.Integer, primary_key=True), sa.Column("room", sa.Integer))
    t.append_constraint(postgresql.ExcludeConstraint((t.c.room, "=")))
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    config = _config(root, sqlite_url, models)
    api.revision(config, "slots", autogenerate=True)
    api.upgrade(config)
    assert api.check(config).ops == ()


def test_exclusion_constraints_reflected_as_written(pg_url, execute):
    from dbshift.core.model import Exclude
    from dbshift.sqla.reflect import reflect

    execute(pg_url, """CREATE TABLE slot (room int, note text, during tsrange,
        CONSTRAINT one_per_room EXCLUDE USING btree (room WITH =) INCLUDE (note) WHERE (room > 5 AND note LIKE 'a%%'),
        EXCLUDE USING gist (during WITH &&) DEFERRABLE INITIALLY DEFERRED)""")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        table = reflect(conn).table("slot")
    engine.dispose()
    assert table.excludes == (
        Exclude(("room WITH =",), "one_per_room", using="btree", where="(room > 5) AND (note ~~ 'a%'::text)",
                include=("note",)),
        Exclude(("during WITH &&",), deferrable=True, initially_deferred=True),  # PostgreSQL named it
    )
    assert table.excludes[1].server_name == "slot_during_excl"

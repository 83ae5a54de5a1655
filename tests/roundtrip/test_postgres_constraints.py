"""Deferrable keys: detected, migrated both ways for real, and never a false difference."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from dbshift import api
from dbshift.db import create_engine
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

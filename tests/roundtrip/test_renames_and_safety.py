"""Renames keep data; NOT NULL additions never fail on populated tables."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.core.safety import UnsafeNotNull


def author(md: sa.MetaData, name_column: str = "name", table: str = "author", nullable=False, **info) -> sa.Table:
    return sa.Table(
        table, md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(name_column, sa.String(50), nullable=nullable, info=info),
        sa.Column("born", sa.Integer),
    )


SEED = ["INSERT INTO author (id, name, born) VALUES (1, 'Ann', 1970), (2, 'Bo', 1980)"]


def test_column_rename_from_a_hint_keeps_the_data(db_url, roundtrip, rows):
    result = roundtrip(db_url, author, lambda md: author(md, "full_name"), SEED, {"author": "id, born"},
                       renames=["author.name:full_name"])
    assert [type(op).__name__ for op in result.ops] == ["RenameColumn"]
    assert rows(db_url, "author", "id, full_name") == [(1, "Ann"), (2, "Bo")]


def test_column_rename_declared_next_to_the_model(db_url, roundtrip, rows):
    result = roundtrip(db_url, author, lambda md: author(md, "full_name", renamed_from="name"), SEED)
    assert [type(op).__name__ for op in result.ops] == ["RenameColumn"]
    assert rows(db_url, "author", "full_name") == [("Ann",), ("Bo",)]


def test_table_rename_when_answered_yes(db_url, roundtrip, rows):
    asked = []

    def ask(candidate):
        asked.append(candidate.describe())
        return True

    result = roundtrip(db_url, author, lambda md: author(md, table="writer"), SEED, ask=ask)
    assert asked == ["table author disappeared and writer appeared"]
    assert type(result.ops[0]).__name__ == "RenameTable"
    assert rows(db_url, "writer", "id, name") == [(1, "Ann"), (2, "Bo")]


def test_possible_rename_is_reported_not_silent(db_url, roundtrip):
    result = roundtrip(db_url, lambda md: author(md, nullable=True), lambda md: author(md, "full_name", nullable=True), SEED)
    assert [p.hint for p in result.possible_renames] == ["author.name:full_name"]
    assert {type(op).__name__ for op in result.ops} >= {"DropColumn"}


def priced(default=None, server_default=None):
    def build(md: sa.MetaData) -> None:
        author(md).append_column(
            sa.Column("price", sa.Integer, nullable=False, default=default, server_default=server_default)
        )
    return build


def test_not_null_column_with_python_default_is_backfilled(db_url, roundtrip, rows):
    result = roundtrip(db_url, author, priced(default=7), SEED, {"author": "id, name"})
    assert [type(op).__name__ for op in result.ops] == ["AddColumn", "Backfill", "AlterColumn"]
    assert rows(db_url, "author", "price") == [(7,), (7,)]


def test_not_null_column_with_server_default_is_added_directly(db_url, roundtrip, rows):
    result = roundtrip(db_url, author, priced(server_default="3"), SEED)
    assert [type(op).__name__ for op in result.ops] == ["AddColumn"]
    assert rows(db_url, "author", "price") == [(3,), (3,)]


def test_not_null_column_without_any_default_stops_with_an_explanation(db_url, tmp_path):
    from dbshift.config import Config

    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)

    def config(build):
        md = sa.MetaData()
        build(md)
        return Config(root=root, migrations=root / "migrations", url=db_url, url_source="t", metadata_object=md)

    api.revision(config(author), "a", autogenerate=True)
    api.upgrade(config(author))
    with pytest.raises(UnsafeNotNull, match="author.price"):
        api.revision(config(priced()), "b", autogenerate=True)
    assert len(list((root / "migrations").glob("*.py"))) == 1, "nothing written"
    with pytest.raises(UnsafeNotNull, match="--rename author.name:full_name"):
        api.revision(config(lambda md: author(md, "full_name")), "b", autogenerate=True)

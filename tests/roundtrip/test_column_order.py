"""Columns reach the database in the order the models' tables list them, new tables and added columns alike."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dbshift.core import ops as o
from dbshift.database.connect import create_engine


def _columns(url: str, table: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        names = [c["name"] for c in sa.inspect(conn).get_columns(table)]
    engine.dispose()
    return names


class Stamped:
    created: Mapped[int] = mapped_column(sa.Integer, nullable=True)
    updated: Mapped[int] = mapped_column(sa.Integer, nullable=True)


class Keyed:
    id: Mapped[int] = mapped_column(primary_key=True)


def declarative(extra: bool) -> sa.MetaData:
    """A declarative model with mixins (SQLAlchemy lists the class's own columns before the mixins')."""

    class Base(DeclarativeBase):
        pass

    attributes = {
        "__tablename__": "post",
        "title": mapped_column(sa.String(40)),
        "body": mapped_column(sa.Text),
    }
    if extra:
        attributes |= {"zeta": mapped_column(sa.Integer), "alpha": mapped_column(sa.Integer),
                       "mid": mapped_column(sa.String(10))}
    type("Post", (Keyed, Stamped, Base), attributes)
    return Base.metadata


def first(md: sa.MetaData) -> None:
    sa.Table("note", md, sa.Column("id", sa.Integer, primary_key=True))


def posts(md: sa.MetaData) -> None:
    first(md)
    declarative(extra=False).tables["post"].to_metadata(md)


def posts_with_more(md: sa.MetaData) -> None:
    first(md)
    declarative(extra=True).tables["post"].to_metadata(md)


def test_a_new_table_lists_its_columns_as_the_models_table_does(db_url, roundtrip):
    expected = list(declarative(extra=False).tables["post"].columns.keys())
    assert expected == ["title", "body", "id", "created", "updated"]
    roundtrip(db_url, first, posts)
    assert _columns(db_url, "post") == expected


def test_added_columns_follow_the_declaration_order(db_url, roundtrip):
    result = roundtrip(db_url, posts, posts_with_more)
    assert [op.column.name for op in result.ops if isinstance(op, o.AddColumn)] == ["zeta", "alpha", "mid"]
    assert _columns(db_url, "post")[-3:] == ["zeta", "alpha", "mid"]

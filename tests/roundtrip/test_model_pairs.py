"""The heart of the suite: a pair of model sets, the generated migration applied for real.

For each pair (A → B) on each database: generate from A and apply; generate
A → B and apply; nothing is left to change; rows survive; downgrade; the
database matches A again and rows survive; upgrade again.
"""

from __future__ import annotations

from typing import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

Build = Callable[[sa.MetaData], None]

# --- the pairs ------------------------------------------------------------------------


def author(md: sa.MetaData) -> sa.Table:
    return sa.Table(
        "author", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )


def author_with_bio(md: sa.MetaData) -> None:
    t = author(md)
    t.append_column(sa.Column("bio", sa.Text))


def author_and_book(md: sa.MetaData) -> None:
    author(md)
    sa.Table(
        "book", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("author.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.UniqueConstraint("author_id", "title"),
    )


def author_wider_name(md: sa.MetaData) -> None:
    sa.Table(
        "author", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=True),
    )


def author_indexed(md: sa.MetaData) -> None:
    t = author(md)
    sa.Index("ix_author_name", t.c.name)
    t.append_constraint(sa.UniqueConstraint("name", name="uq_author_name"))
    t.append_constraint(sa.CheckConstraint("length(name) > 0", name="ck_author_name_not_empty"))


def author_with_defaults(md: sa.MetaData) -> None:
    t = author(md)
    t.append_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    t.append_column(sa.Column("score", sa.Integer, nullable=False, server_default="0"))
    t.append_column(sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))
    t.append_column(sa.Column("label", sa.String(20), server_default="none"))


def every_common_type(md: sa.MetaData) -> None:
    author(md)
    sa.Table(
        "everything", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("i", sa.Integer),
        sa.Column("s", sa.String(30)),
        sa.Column("t", sa.Text),
        sa.Column("b", sa.Boolean),
        sa.Column("dt", sa.DateTime),
        sa.Column("dtz", sa.DateTime(timezone=True)),
        sa.Column("d", sa.Date),
        sa.Column("n", sa.Numeric(10, 2)),
        sa.Column("f", sa.Float),
        sa.Column("j", sa.JSON),
        sa.Column("bin", sa.LargeBinary),
        sa.Column("mood", sa.Enum("happy", "sad", name="mood")),
        sa.Column("u", sa.Uuid),
        sa.Column("si", sa.SmallInteger, server_default="1"),
    )


def author_name_dropped(md: sa.MetaData) -> None:
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True))


def two_tables_cycle(md: sa.MetaData) -> None:
    author(md)
    sa.Table(
        "department", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("manager_id", sa.Integer, sa.ForeignKey("employee.id", name="fk_department_manager", use_alter=True)),
    )
    sa.Table(
        "employee", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("department_id", sa.Integer, sa.ForeignKey("department.id")),
    )


PAIRS: dict[str, tuple[Build, Build, list[str], dict[str, str]]] = {
    "add_column": (author, author_with_bio, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
    "add_table_with_fk": (author, author_and_book, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
    "widen_and_relax": (author, author_wider_name, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
    "index_unique_check": (author, author_indexed, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
    "server_defaults": (author, author_with_defaults, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
    "common_types": (author, every_common_type, [], {}),
    "drop_column": (author_with_bio, author, ["INSERT INTO author (id, name, bio) VALUES (1, 'Ann', 'x')"], {"author": "id, name"}),
    "drop_table_with_fk": (author_and_book, author, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
    "fk_cycle": (author, two_tables_cycle, [], {}),
    "tighten_to_not_null": (author_wider_name, author, ["INSERT INTO author (id, name) VALUES (1, 'Ann')"], {"author": "id, name"}),
}


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_model_pair_roundtrip(pair: str, db_url: str, roundtrip) -> None:
    a, b, seed, keep = PAIRS[pair]
    roundtrip(db_url, a, b, seed, keep)


def postgres_types(md: sa.MetaData) -> None:
    author(md)
    sa.Table(
        "pg_only", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tags", postgresql.ARRAY(sa.String(20))),
        sa.Column("doc", postgresql.JSONB),
        sa.Column("ip", postgresql.INET),
        sa.Column("span", sa.Interval),
        sa.Column("search", postgresql.TSVECTOR),
        sa.Column("ident", postgresql.UUID),
    )


def test_postgres_specific_types(pg_url: str, roundtrip) -> None:
    roundtrip(pg_url, author, postgres_types)

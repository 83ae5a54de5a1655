"""The heart of the suite: a pair of model sets, the generated migration applied for real.

For each pair (A → B) on each database: generate from A and apply; generate
A → B and apply; nothing is left to change; rows survive; downgrade; the
database matches A again and rows survive; upgrade again.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from tests.roundtrip.cases import Case

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


SEED = ["INSERT INTO author (id, name) VALUES (1, 'Ann')"]
KEEP = {"author": "id, name"}

PAIRS: dict[str, Case] = {
    "add_column": Case(a=author, b=author_with_bio, seed=SEED, keep=KEEP),
    "add_table_with_fk": Case(a=author, b=author_and_book, seed=SEED, keep=KEEP),
    "widen_and_relax": Case(a=author, b=author_wider_name, seed=SEED, keep=KEEP),
    "index_unique_check": Case(a=author, b=author_indexed, seed=SEED, keep=KEEP),
    "server_defaults": Case(a=author, b=author_with_defaults, seed=SEED, keep=KEEP),
    "common_types": Case(a=author, b=every_common_type),
    "drop_column": Case(
        a=author_with_bio, b=author, seed=["INSERT INTO author (id, name, bio) VALUES (1, 'Ann', 'x')"], keep=KEEP
    ),
    "drop_table_with_fk": Case(a=author_and_book, b=author, seed=SEED, keep=KEEP),
    "fk_cycle": Case(a=author, b=two_tables_cycle),
    "tighten_to_not_null": Case(a=author_wider_name, b=author, seed=SEED, keep=KEEP),
}


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_model_pair_roundtrip(pair: str, db_url: str, roundtrip) -> None:
    case = PAIRS[pair]  # every pair runs on every dialect: db_url is each in turn
    roundtrip(db_url, case.a, case.b, case.seed, case.keep)


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

"""Each kind of change autogenerate detects, migrated for real both ways on every database.

Each case is a pair of models (A → B) and the rows that must survive; the
round trip migrates A → B → A → B, asserting after each step that nothing is
left to change.  Cases a dialect cannot express are left out of it, with the
reason next to the case.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from tests.roundtrip.cases import Build, Case

COLLATION = {"sqlite": "NOCASE", "postgresql": "C", "mariadb": "utf8mb4_bin"}


def item(md: sa.MetaData, *extra: sa.SchemaItem, name_type=sa.String(30), price_type=sa.Numeric(10, 2)) -> sa.Table:  # noqa: ANN001
    return sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", name_type, nullable=False),
        sa.Column("code", sa.String(10), nullable=False, server_default="a"),
        sa.Column("price", price_type),
        *extra,
    )


def owners(md: sa.MetaData) -> None:
    for name in ("person", "company"):
        sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.String(10), unique=True))


def owned(md: sa.MetaData, *fk_args, **fk_kw) -> None:  # noqa: ANN002, ANN003
    owners(md)
    item(md, sa.Column("owner_id", sa.Integer), sa.ForeignKeyConstraint(["owner_id"], *fk_args, name="fk_item_owner", **fk_kw))


SEED = ["INSERT INTO item (id, name, code, price) VALUES (1, 'pen', 'p', 2.50), (2, 'ink', 'i', 7.25)"]
OWNER_SEED = [
    "INSERT INTO person (id, code) VALUES (1, 'ann')",
    "INSERT INTO company (id, code) VALUES (1, 'acme')",
    "INSERT INTO item (id, name, code, price, owner_id) VALUES (1, 'pen', 'p', 2.50, 1)",
]
KEEP = {"item": "id, name, code"}

CASES: dict[str, Case] = {
    "string_length": Case(a=item, b=lambda md: item(md, name_type=sa.String(60)), seed=SEED, keep=KEEP),
    "numeric_precision_scale": Case(a=item, b=lambda md: item(md, price_type=sa.Numeric(12, 4)), seed=SEED, keep=KEEP),
    "server_default_changed": Case(
        a=item,
        b=lambda md: sa.Table("item", md, sa.Column("id", sa.Integer, primary_key=True),
                              sa.Column("name", sa.String(30), nullable=False),
                              sa.Column("code", sa.String(10), nullable=False, server_default="b"),
                              sa.Column("price", sa.Numeric(10, 2), server_default="1.5")),
        seed=SEED, keep=KEEP,
    ),
    "primary_key_changed": Case(
        a=item,
        b=lambda md: sa.Table("item", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                              sa.Column("name", sa.String(30), nullable=False),
                              sa.Column("code", sa.String(10), nullable=False, server_default="a", primary_key=True),
                              sa.Column("price", sa.Numeric(10, 2))),
        seed=SEED, keep=KEEP,
    ),
    "unique_added": Case(
        a=item, b=lambda md: item(md, sa.UniqueConstraint("name", "code", name="uq_item_name_code")),
        seed=SEED, keep=KEEP,
    ),
    "check_expression_changed": Case(
        a=lambda md: item(md, sa.CheckConstraint("price >= 0", name="ck_item_price")),
        b=lambda md: item(md, sa.CheckConstraint("price >= 0 AND price < 1000", name="ck_item_price")),
        seed=SEED, keep=KEEP,
    ),
    "check_added_unnamed": Case(
        a=item, b=lambda md: item(md, sa.CheckConstraint("length(code) > 0")), seed=SEED, keep=KEEP
    ),
    "index_columns_and_uniqueness": Case(
        a=lambda md: sa.Index("ix_item_name", item(md).c.name),
        b=lambda md: sa.Index("ix_item_name", *item(md).c["name", "code"], unique=True),
        seed=SEED, keep=KEEP,
    ),
    "expression_index": Case(
        a=item, b=lambda md: sa.Index("ix_item_lower", sa.func.lower(item(md).c.name)),
        seed=SEED, keep=KEEP, dialects=("sqlite", "postgresql"),  # MariaDB has no expression indexes
    ),
    "partial_index": Case(
        a=item,
        b=lambda md: sa.Index("ix_item_cheap", item(md).c.name, postgresql_where=sa.text("price < 10"),
                              sqlite_where=sa.text("price < 10")),
        seed=SEED, keep=KEEP, dialects=("sqlite", "postgresql"),  # MariaDB has no partial indexes
    ),
    "index_operator_class": Case(
        a=lambda md: sa.Index("ix_item_name", item(md).c.name),
        b=lambda md: sa.Index("ix_item_name", item(md).c.name, postgresql_ops={"name": "text_pattern_ops"}),
        seed=SEED, keep=KEEP, dialects=("postgresql",),  # operator classes are PostgreSQL's
    ),
    "fk_target_changed": Case(
        a=lambda md: owned(md, ["person.id"]), b=lambda md: owned(md, ["company.id"]),
        seed=OWNER_SEED, keep=KEEP,
    ),
    "fk_actions_changed": Case(
        a=lambda md: owned(md, ["person.id"]),
        b=lambda md: owned(md, ["person.id"], ondelete="SET NULL", onupdate="CASCADE"),
        seed=OWNER_SEED, keep=KEEP,
    ),
    "fk_deferrable": Case(
        a=lambda md: owned(md, ["person.id"]),
        b=lambda md: owned(md, ["person.id"], deferrable=True, initially="DEFERRED"),
        seed=OWNER_SEED, keep=KEEP,
        dialects=("sqlite", "postgresql"),  # MySQL checks foreign keys row by row: no DEFERRABLE
    ),
    "fk_referenced_columns_changed": Case(
        a=lambda md: owned(md, ["person.id"]),
        b=lambda md: (owners(md), item(md, sa.Column("owner_id", sa.String(10)),
                                       sa.ForeignKeyConstraint(["owner_id"], ["person.code"], name="fk_item_owner"))),
        seed=[OWNER_SEED[0], "INSERT INTO item (id, name, code, price) VALUES (1, 'pen', 'p', 2.50)"],
        keep=KEEP,
    ),
    "collation": Case(a=item, b=None, seed=SEED, keep=KEEP),  # B names each dialect's own collation: see _pair
    "timestamp_time_zone_and_precision": Case(
        a=lambda md: item(md, sa.Column("at", sa.DateTime)),
        b=lambda md: item(md, sa.Column("at", postgresql.TIMESTAMP(timezone=True, precision=3))),
        seed=SEED, keep=KEEP,
        dialects=("postgresql",),  # SQLite and MySQL store no time zone: DateTime(timezone=True) is the same type
    ),
    "fractional_seconds_precision": Case(
        a=lambda md: item(md, sa.Column("at", sa.DateTime)),
        b=lambda md: item(md, sa.Column("at", mysql.DATETIME(fsp=6))),
        seed=SEED, keep=KEEP,
        dialects=("mariadb",),  # PostgreSQL: timestamp_time_zone_and_precision; SQLite keeps text, no precision
    ),
    "character_set": Case(
        a=item, b=lambda md: item(md, name_type=mysql.VARCHAR(30, charset="latin1")),
        seed=SEED, keep=KEEP, dialects=("mariadb",),
    ),
    "computed_expression_changed": Case(
        a=lambda md: item(md, sa.Column("total", sa.Numeric(12, 2), sa.Computed("price * 2"))),
        b=lambda md: item(md, sa.Column("total", sa.Numeric(12, 2), sa.Computed("price * 3"))),
        seed=SEED, keep=KEEP,
    ),
    "computed_stored_to_virtual": Case(
        a=lambda md: item(md, sa.Column("total", sa.Numeric(12, 2), sa.Computed("price * 2", persisted=True))),
        b=lambda md: item(md, sa.Column("total", sa.Numeric(12, 2), sa.Computed("price * 2", persisted=False))),
        seed=SEED, keep=KEEP,
        dialects=("sqlite", "mariadb"),  # PostgreSQL before 18 has stored generated columns only
    ),
    "identity_added": Case(
        a=lambda md: item(md, sa.Column("serial_no", sa.BigInteger)),
        b=lambda md: item(md, sa.Column("serial_no", sa.BigInteger, sa.Identity(start=100), nullable=False)),
        seed=["INSERT INTO item (id, name, code, price, serial_no) VALUES (1, 'pen', 'p', 2.50, 1)"],
        keep=KEEP,
        dialects=("postgresql",),  # SQLite has no identity; MySQL's is AUTO_INCREMENT (see test_mysql_features)
    ),
}


def _collated(md: sa.MetaData, collation: str) -> None:
    item(md, name_type=sa.String(30, collation=collation))


def _pair(case: str, dialect: str) -> tuple[Build, Build]:
    a, b = CASES[case].a, CASES[case].b
    if case == "collation":
        return a, lambda md: _collated(md, COLLATION[dialect])
    return a, b


URL_FIXTURE = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mariadb": "mysql_url"}


@pytest.mark.parametrize(
    "case, dialect", [(case, dialect) for case in sorted(CASES) for dialect in CASES[case].dialects]
)
def test_change_detected_and_migrated_both_ways(case: str, dialect: str, request, roundtrip) -> None:
    url = request.getfixturevalue(URL_FIXTURE[dialect])
    a, b = _pair(case, dialect)
    result = roundtrip(url, a, b, CASES[case].seed, CASES[case].keep)
    assert result.ops

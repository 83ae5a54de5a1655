"""Autogenerate twice in a row: the second time finds nothing to do.

A wide model set per dialect — every portable type with its length,
precision, scale, time zone and collation; server defaults in the spellings
people write (``now()``, ``CURRENT_TIMESTAMP``, booleans, numeric literals,
casts); identity, computed and autoincrement columns; every kind of
constraint and index — plus the types only PostgreSQL or MySQL/MariaDB have.
Each is checked two ways: migrated by dbshift, and created by
``metadata.create_all()`` (a database adopted with ``stamp head``).
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from dbshift import api
from dbshift.database.connect import create_engine
from tests.roundtrip.conftest import _config

Build = Callable[[sa.MetaData], None]


class Color(enum.Enum):
    red = 1
    green = 2

CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def common(md: sa.MetaData, *, text_collation: str, string_collation: str) -> None:
    """What every dialect has."""
    sa.Table(
        "owner", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(10), nullable=False, unique=True),
        sa.Column("region", sa.String(10), nullable=False),
        sa.UniqueConstraint("code", "region"),
    )
    t = sa.Table(
        "wide", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("owner_id", sa.ForeignKey("owner.id", ondelete="CASCADE", onupdate="CASCADE"), nullable=False),
        sa.Column("backup_owner_id", sa.ForeignKey("owner.id", ondelete="SET NULL")),
        sa.Column("i", sa.Integer, server_default="0"),
        sa.Column("neg", sa.Integer, server_default="-1"),
        sa.Column("si", sa.SmallInteger, server_default=sa.text("7")),
        sa.Column("bi", sa.BigInteger),
        sa.Column("s", sa.String(30), server_default="x"),
        sa.Column("quoted", sa.String(30), server_default="it's"),
        sa.Column("pct", sa.String(10), server_default="100%"),
        sa.Column("coll", sa.String(30, collation=string_collation)),
        sa.Column("ch", sa.CHAR(3)),
        sa.Column("t", sa.Text),
        sa.Column("tc", sa.Text(collation=text_collation)),
        sa.Column("flag", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("flag2", sa.Boolean, server_default=sa.false()),
        sa.Column("flag3", sa.Boolean, server_default=sa.text("false")),
        sa.Column("dt", sa.DateTime, server_default=sa.func.now()),
        sa.Column("dtz", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("dt2", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.Column("d", sa.Date),
        sa.Column("tm", sa.Time),
        sa.Column("n", sa.Numeric(10, 2), server_default="1.50"),
        sa.Column("n0", sa.Numeric(10, 0), server_default=sa.text("0")),
        sa.Column("n5", sa.Numeric(5, 3), server_default=sa.text("2.5")),
        sa.Column("f", sa.Float),
        sa.Column("f53", sa.Float(53)),
        sa.Column("dbl", sa.Double),
        sa.Column("j", sa.JSON),
        sa.Column("bin", sa.LargeBinary),
        sa.Column("u", sa.Uuid),
        sa.Column("mood", sa.Enum("happy", "sad", name="mood"), server_default="happy"),
        sa.Column("plain_mood", sa.Enum("up", "down", name="plain_mood", native_enum=False)),
        sa.Column("twice", sa.Integer, sa.Computed("i * 2")),
        sa.Column("note", sa.String(100), comment="a note"),
        sa.Column("uni", sa.Unicode(20)),
        sa.Column("unitext", sa.UnicodeText),
        sa.Column("pickled", sa.PickleType),
        sa.Column("py_enum", sa.Enum(Color)),
        sa.Column("bin16", sa.LargeBinary(16)),
        sa.Column("ts", sa.TIMESTAMP),
        sa.Column("ibool", sa.Boolean(create_constraint=True), server_default=sa.true()),
        sa.CheckConstraint("i >= 0 AND i < 1000", name="ck_wide_i_range"),
        sa.CheckConstraint("s IN ('x', 'y', 'z')", name="ck_wide_s_values"),
        sa.CheckConstraint("n BETWEEN 0 AND 100", name="ck_wide_n_between"),
        sa.CheckConstraint("s LIKE 'x%' OR s NOT LIKE '%z' OR s != 'y'", name="ck_wide_s_like"),
        sa.CheckConstraint("length(s) > 0"),
        comment="every portable kind",
    )
    sa.Index("ix_wide_s_i", t.c.s, t.c.i)
    sa.Index("ix_wide_d_desc", t.c.d.desc())
    sa.Index("uq_wide_bi", t.c.bi, unique=True)
    sa.Table(
        "named", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Column("owner_code", sa.String(10)),
        sa.Column("owner_region", sa.String(10)),
        sa.ForeignKeyConstraint(["owner_code", "owner_region"], ["owner.code", "owner.region"]),
        sa.UniqueConstraint("a", "b"),
        sa.CheckConstraint("a <> b"),
    )


def conv_table(md: sa.MetaData) -> None:
    """A table whose constraints and indexes are all named by the metadata's naming convention."""
    t = sa.Table(
        "conv", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.ForeignKey("owner.id")),
        sa.Column("v", sa.Integer, index=True),
        sa.Column("w", sa.Integer, unique=True),
        sa.CheckConstraint("v > 0", name="positive"),
    )
    sa.Index(None, t.c.v, t.c.w)


def with_convention(build: Build) -> Build:
    def run(md: sa.MetaData) -> None:
        build(md)
        conv_table(md)
    return run


def sqlite_models(md: sa.MetaData) -> None:
    common(md, text_collation="NOCASE", string_collation="RTRIM")
    t = md.tables["wide"]
    sa.Index("ix_wide_lower_s", sa.func.lower(t.c.s))
    sa.Index("ix_wide_partial", t.c.i, sqlite_where=t.c.i > 10)


def postgres_models(md: sa.MetaData) -> None:
    common(md, text_collation="C", string_collation="POSIX")
    t = sa.Table(
        "pg", md,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("always", sa.BigInteger, sa.Identity(always=True, start=10, increment=5)),
        sa.Column("serial", sa.BigInteger, autoincrement=True, primary_key=True),
        sa.Column("tags", postgresql.ARRAY(sa.String(20)), server_default=sa.text("'{}'::character varying[]")),
        sa.Column("ints", postgresql.ARRAY(sa.Integer, dimensions=2)),
        sa.Column("doc", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("ip", postgresql.INET),
        sa.Column("net", postgresql.CIDR),
        sa.Column("mac", postgresql.MACADDR),
        sa.Column("ident", postgresql.UUID, server_default=sa.text("gen_random_uuid()")),
        sa.Column("span", sa.Interval),
        sa.Column("span_days", postgresql.INTERVAL(fields="DAY")),
        sa.Column("search", postgresql.TSVECTOR),
        sa.Column("cash", postgresql.MONEY),
        sa.Column("bits", postgresql.BIT(3)),
        sa.Column("varbits", postgresql.BIT(8, varying=True)),
        sa.Column("during", postgresql.TSTZRANGE),
        sa.Column("span_ints", postgresql.INT4RANGE),
        sa.Column("days", postgresql.DATERANGE),
        sa.Column("many_days", postgresql.DATEMULTIRANGE),
        sa.Column("query", postgresql.TSQUERY),
        sa.Column("oid", postgresql.OID),
        sa.Column("cidr_list", postgresql.ARRAY(postgresql.CIDR)),
        sa.Column("json_plain", postgresql.JSON),
        sa.Column("char_n", postgresql.CHAR(5), server_default="abc"),
        sa.Column("num_default", sa.Numeric(8, 3), server_default=sa.text("'1.250'::numeric")),
        sa.Column("now_tz", sa.DateTime(timezone=True), server_default=sa.text("timezone('utc', now())")),
        sa.Column("ts3", postgresql.TIMESTAMP(precision=3, timezone=True)),
        sa.Column("tmz", sa.Time(timezone=True)),
        sa.Column("label", sa.String(20), server_default=sa.text("'x'::character varying")),
        sa.Column("real", sa.REAL),
        sa.Column("today", sa.Date, server_default=sa.text("CURRENT_DATE")),
        sa.Column("lowered", sa.Text, sa.Computed("lower(label)")),
        sa.Column("status", postgresql.ENUM("new", "done", name="status"), server_default="new"),
        sa.Column("statuses", postgresql.ARRAY(sa.Enum("new", "done", name="status"))),
        sa.Column("labels", postgresql.ARRAY(sa.Enum("red", "blue", name="label"))),
        sa.CheckConstraint("cash >= 0::money", name="ck_pg_cash"),
        sa.CheckConstraint("label ~ '^[a-z]+$'", name="ck_pg_label_re"),
        sa.CheckConstraint("label ILIKE 'x%' AND CAST(real AS integer) > 0 AND today > '2020-01-01'", name="ck_pg_more"),
    )
    sa.Index("ix_pg_tags", t.c.tags, postgresql_using="gin")
    sa.Index("ix_pg_doc", t.c.doc, postgresql_using="gin", postgresql_ops={"doc": "jsonb_path_ops"})
    sa.Index("ix_pg_lower_label", sa.func.lower(t.c.label))
    sa.Index("ix_pg_partial", t.c.label, postgresql_where=t.c.label != "x")
    sa.Index("ix_pg_incl", t.c.label, postgresql_include=["ip"])
    sa.Index("ix_pg_search", t.c.search, postgresql_using="gin")
    sa.Index("ix_pg_ts_desc", t.c.ts3.desc().nulls_last())
    sa.Table(
        "deferred", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pg_id", sa.Integer),
        sa.Column("pg_serial", sa.BigInteger),
        sa.ForeignKeyConstraint(["pg_id", "pg_serial"], ["pg.id", "pg.serial"], deferrable=True, initially="DEFERRED"),
    )


def mysql_models(md: sa.MetaData) -> None:
    common(md, text_collation="utf8mb4_bin", string_collation="utf8mb4_unicode_ci")
    t = sa.Table(
        "my", md,
        sa.Column("id", mysql.INTEGER(unsigned=True), primary_key=True),
        sa.Column("tiny", mysql.TINYINT),
        sa.Column("tiny_u", mysql.TINYINT(unsigned=True), server_default="3"),
        sa.Column("medium", mysql.MEDIUMINT),
        sa.Column("big_u", mysql.BIGINT(unsigned=True)),
        sa.Column("small_u", mysql.SMALLINT(unsigned=True)),
        sa.Column("mtext", mysql.MEDIUMTEXT),
        sa.Column("ltext", mysql.LONGTEXT),
        sa.Column("ttext", mysql.TINYTEXT),
        sa.Column("flags", mysql.SET("a", "b", "c"), server_default="a"),
        sa.Column("born", mysql.YEAR),
        sa.Column("dbl", mysql.DOUBLE),
        sa.Column("dbl_u", mysql.DOUBLE(unsigned=True)),
        sa.Column("dec_u", mysql.DECIMAL(8, 2, unsigned=True)),
        sa.Column("doc", sa.JSON),
        sa.Column("size", mysql.ENUM("s", "m", "l"), nullable=False, server_default="m"),
        sa.Column("latin", mysql.VARCHAR(20, charset="latin1")),
        sa.Column("latin_bin", mysql.VARCHAR(20, charset="latin1", collation="latin1_bin")),
        sa.Column("ascii_text", mysql.TEXT(charset="ascii")),
        sa.Column("bin16", mysql.BINARY(16)),
        sa.Column("vbin", mysql.VARBINARY(32)),
        sa.Column("mblob", mysql.MEDIUMBLOB),
        sa.Column("text100", sa.Text(100)),
        sa.Column("nvc", sa.NVARCHAR(20)),
        sa.Column("blob70k", sa.LargeBinary(70000)),
        sa.Column("bit8", mysql.BIT(8)),
        sa.Column("ts", sa.TIMESTAMP, server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")),
        sa.Column("ts6", mysql.DATETIME(fsp=6), server_default=sa.text("CURRENT_TIMESTAMP(6)")),
        sa.Column("tm3", mysql.TIME(fsp=3)),
        sa.Column("computed", sa.Integer, sa.Computed("tiny + 1")),
        sa.Column("virtual", sa.Integer, sa.Computed("tiny + 2", persisted=False)),
        sa.Column("price", sa.Numeric(10, 2), server_default="0"),
        sa.Column("price2", sa.Numeric(10, 2), server_default=sa.text("0.00")),
        sa.Column("flt", mysql.FLOAT(10, 2)),
        sa.Column("wide_int", mysql.INTEGER(display_width=11)),
        sa.Column("zero_big", mysql.BIGINT(20, unsigned=True, zerofill=True)),
        sa.Column("yes", sa.Boolean, server_default=sa.text("TRUE")),
        sa.Column("today", sa.Date, server_default=sa.text("(CURRENT_DATE)")),
        sa.Column("latin_char", mysql.CHAR(2, charset="latin1")),
        sa.Column("enum_ci", mysql.ENUM("x", "y", collation="utf8mb4_bin")),
        sa.CheckConstraint("price >= 0", name="ck_my_price"),
        comment="MySQL's own kinds",
    )
    sa.Index("ix_my_prefix", t.c.mtext, mysql_length=20)
    sa.Index("ix_my_fulltext", t.c.ltext, mysql_prefix="FULLTEXT")


MODELS: dict[str, Build] = {
    "sqlite": with_convention(sqlite_models),
    "postgresql": with_convention(postgres_models),
    "mariadb": with_convention(mysql_models),
}


def _models(build: Build) -> sa.MetaData:
    md = sa.MetaData(naming_convention=CONVENTION)
    build(md)
    return md


def _dialect(url: str) -> str:
    backend = sa.engine.make_url(url).get_backend_name()
    return "mariadb" if backend in ("mysql", "mariadb") else backend


def test_autogenerate_twice_finds_nothing_the_second_time(db_url: str, tmp_path: Path) -> None:
    build = MODELS[_dialect(db_url)]
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    config = _config(root, db_url, _models(build))
    first = api.revision(config, "all of it", autogenerate=True)
    assert first.path is not None
    api.upgrade(config)
    assert api.check(config).ops == ()
    second = api.revision(_config(root, db_url, _models(build)), "again", autogenerate=True)
    assert second.path is None and second.ops == ()


def test_a_database_made_by_create_all_has_nothing_to_change(db_url: str, tmp_path: Path) -> None:
    build = MODELS[_dialect(db_url)]
    models = _models(build)
    engine = create_engine(db_url)
    models.create_all(engine)
    engine.dispose()
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    assert api.check(_config(root, db_url, models)).ops == ()


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mariadb"])
def test_naming_convention_names_are_kept_and_unnamed_constraints_stay_unnamed(dialect: str) -> None:
    from dbshift.sqla.from_metadata import from_metadata

    def names(md: sa.MetaData) -> dict[str, list[str | None]]:
        schema = from_metadata(md, dialect)
        return {
            t.name: [t.primary_key.name] + [c.name for c in t.foreign_keys + t.uniques + t.checks]
            + [i.name for i in t.indexes]
            for t in schema.tables
        }

    def conventional() -> sa.MetaData:
        md = sa.MetaData(naming_convention={**CONVENTION, "ck": "ck_%(table_name)s_%(constraint_name)s"})
        sa.Table("owner", md, sa.Column("id", sa.Integer, primary_key=True))
        conv_table(md)
        return md

    by_convention: list[str | None] = [
        "pk_conv", "fk_conv_owner_id_owner", "uq_conv_w", "ck_conv_positive", "ix_conv_v", "ix_conv_v_w",
    ]
    if dialect == "mariadb":  # the primary key is always PRIMARY
        by_convention[0] = None
    assert names(conventional())["conv"] == by_convention

    def unnamed() -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("owner", md, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "plain", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("owner_id", sa.ForeignKey("owner.id")),
            sa.Column("v", sa.Integer),
            sa.Column("w", sa.Integer),
            sa.UniqueConstraint("v", "w"),
            sa.CheckConstraint("v > 0"),
            sa.CheckConstraint("v < w"),
            sa.CheckConstraint("w > 0"),
            sa.CheckConstraint("w < 100"),
        )
        return md

    # no name of any database's making: a migration file then writes none, and the database chooses
    assert names(unnamed())["plain"] == [None] * 7

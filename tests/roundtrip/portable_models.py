"""Models an application could hold, for the portable-types tests: every common SQLAlchemy type, a
``TypeDecorator`` and a type with a ``@compiles`` override of its own, imported by the migrations
that use them as an application's module would be."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles


class Email(sa.types.TypeDecorator):
    """Text kept in lower case: the application's own type over ``String``."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class Code(sa.types.TypeDecorator):
    """A code of ``length`` characters whose repr leaves the length out: ``Code()`` rebuilds only the default one."""

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int = 10) -> None:
        super().__init__(length)

    def __repr__(self) -> str:
        return "Code()"


class PreciseTime(sa.DateTime):
    """A date and time that keeps microseconds on MySQL and MariaDB too (DATETIME(6)), by ``@compiles``."""

    __visit_name__ = "precise_time"


@compiles(PreciseTime)
def _precise_time(type_: PreciseTime, compiler: Any, **kw: Any) -> str:
    return compiler.visit_datetime(type_, **kw)


@compiles(PreciseTime, "mysql")
@compiles(PreciseTime, "mariadb")
def _precise_time_mysql(type_: PreciseTime, compiler: Any, **kw: Any) -> str:
    return "DATETIME(6)"


MICRO_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def everything(md: sa.MetaData) -> sa.Table:
    """One table holding every common type, and server defaults of each kind."""
    return sa.Table(
        "everything", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("s", sa.String(30)),
        sa.Column("t", sa.Text),
        sa.Column("big", sa.BigInteger),
        sa.Column("small", sa.SmallInteger),
        sa.Column("n", sa.Numeric(10, 2)),
        sa.Column("f", sa.Float),
        sa.Column("dbl", sa.Double),
        sa.Column("b", sa.Boolean),
        sa.Column("d", sa.Date),
        sa.Column("dt", sa.DateTime),
        sa.Column("dtz", sa.DateTime(timezone=True)),
        sa.Column("tm", sa.Time),
        sa.Column("iv", sa.Interval),
        sa.Column("j", sa.JSON),
        sa.Column("bin", sa.LargeBinary),
        sa.Column("mood", sa.Enum("happy", "sad", name="mood")),
        sa.Column("size", sa.Enum("small", "large")),
        sa.Column("u", sa.Uuid),
        sa.Column("stamp", MICRO_DATETIME),
        sa.Column("precise", PreciseTime()),
        sa.Column("email", Email(120)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ratio", sa.Numeric(5, 2), server_default=sa.text("1.5")),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("label", sa.String(20), server_default="none"),
    )


def first(md: sa.MetaData) -> None:
    """The first version of the models."""
    everything(md)


def second(md: sa.MetaData) -> None:
    """The next step: a column and a table more, each with a named enum of its own and defaults."""
    table = everything(md)
    table.append_column(sa.Column("grade", sa.Enum("low", "high", name="grade"), server_default="low"))
    table.append_column(sa.Column("seen", sa.Boolean, nullable=False, server_default=sa.false()))
    sa.Table(
        "visit", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", MICRO_DATETIME, nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("weight", sa.Float),
    )


ROW: dict[str, Any] = {
    "id": 1,
    "s": "ann",
    "t": "a longer text",
    "big": 2**40,
    "small": 7,
    "n": decimal.Decimal("12.34"),
    "f": 1.5,
    "dbl": 2.25,
    "b": True,
    "d": dt.date(2024, 2, 29),
    "dt": dt.datetime(2024, 2, 29, 12, 30, 15),
    "dtz": dt.datetime(2024, 2, 29, 12, 30, 15),
    "tm": dt.time(12, 30, 15),
    "iv": dt.timedelta(days=1, seconds=5),
    "j": {"a": [1, 2]},
    "bin": b"\x00\x01\xff",
    "mood": "sad",
    "size": "large",
    "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "stamp": dt.datetime(2024, 2, 29, 12, 30, 15, 123456),
    "precise": dt.datetime(2024, 2, 29, 12, 30, 15, 654321),
    "email": "Ann@Example.ORG",
}
"""A row inserted through SQLAlchemy (its defaulted columns left to the database)."""

READ_BACK = {**ROW, "email": "ann@example.org", "active": True, "score": 0, "ratio": decimal.Decimal("1.50"),
             "label": "none"}
"""The row as SQLAlchemy reads it back (``created`` aside: the time it was inserted)."""

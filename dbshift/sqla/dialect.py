"""SQLAlchemy dialect objects by name, without connecting anywhere."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.engine import Dialect

DEFAULT_SCHEMA = {"postgresql": "public", "sqlite": "main", "mysql": None, "mariadb": None}

#: the names SQLAlchemy gives a MySQL-family connection (``mysql://`` and ``mariadb://`` URLs)
MYSQL_FAMILY = frozenset({"mysql", "mariadb"})


def is_mysql(name: str) -> bool:
    """Whether ``name`` (a dialect name) is MySQL or MariaDB: one dialect here."""
    return name in MYSQL_FAMILY


def server_dialect(dialect: Dialect) -> str:
    """The name models are read and SQL is written for on ``dialect``: ``"mariadb"`` for a MariaDB server
    reached through a ``mysql://`` URL too (once connected, SQLAlchemy knows the server; MariaDB has
    sequences, MySQL has not), else the dialect's own name."""
    return "mariadb" if getattr(dialect, "is_mariadb", False) else dialect.name


@lru_cache(maxsize=None)
def dialect_for(name: str) -> Dialect:
    """A dialect instance for ``"postgresql"``, ``"sqlite"``, ``"mysql"`` or ``"mariadb"``."""
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import psycopg

        return psycopg.dialect()
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import pysqlite

        return pysqlite.dialect()
    if name in MYSQL_FAMILY:
        from sqlalchemy.engine import make_url

        # the same dialect class a ``mysql+pymysql://`` or ``mariadb+pymysql://`` engine gets
        return make_url(f"{name}+pymysql://").get_dialect()()
    raise ValueError(f"unsupported database dialect {name!r} (supported: postgresql, sqlite, mysql, mariadb)")

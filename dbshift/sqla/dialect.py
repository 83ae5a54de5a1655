"""SQLAlchemy dialect objects by name, without connecting anywhere; the names themselves without importing it."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def server_version(dialect: Dialect) -> tuple[str, tuple[int, ...]] | None:
    """The MySQL or MariaDB server a connection's ``dialect`` reached, as the renderer takes it:
    ``("mariadb", (10, 11, 6))``; None for other databases, or before connecting."""
    name = server_dialect(dialect)
    version = tuple(v for v in (getattr(dialect, "server_version_info", None) or ()) if isinstance(v, int))
    return (name, version) if name in MYSQL_FAMILY and version else None


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


def model_dialect(dialect: str | Dialect) -> Dialect:
    """The dialect models are spelled for on the database ``dialect`` names or is connected to: by name
    (:func:`server_dialect`: none of a connection's settings, such as how the server reads a backslash, enter
    what is compared or written), except that a MariaDB connection tells whether the server has the native
    UUID type SQLAlchemy builds and binds there (10.7+)."""
    if isinstance(dialect, str):
        return dialect_for(dialect)
    name = server_dialect(dialect)
    if name in MYSQL_FAMILY:
        return _mysql_family(name, bool(name == "mariadb" and dialect.supports_native_uuid))
    return dialect_for(name)


@lru_cache(maxsize=None)
def _mysql_family(name: str, native_uuid: bool) -> Dialect:
    """The dialect :func:`dialect_for` gives ``name``, with or without MariaDB's native UUID."""
    from sqlalchemy.engine import make_url

    plain = dialect_for(name)
    if plain.supports_native_uuid == native_uuid:
        return plain
    d = make_url(f"{name}+pymysql://").get_dialect()(**({"is_mariadb": True} if native_uuid else {}))
    d.supports_native_uuid = native_uuid
    return d

"""Alembic's version table (``alembic_version``): the revisions a database is at, by Alembic's account.

It holds one row per head the database is at (``version_num``).  Quoting is
SQLAlchemy's, through a ``Table`` of the given name.
"""

from __future__ import annotations

import sqlalchemy as sa

from .scripts import VERSION_TABLE

__all__ = ["exists", "heads", "drop"]


def _table(name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True))


def exists(connection: sa.Connection, name: str = VERSION_TABLE) -> bool:
    """Whether the database has the version table."""
    return bool(sa.inspect(connection).has_table(name))


def heads(connection: sa.Connection, name: str = VERSION_TABLE) -> tuple[str, ...] | None:
    """The revisions the table records, sorted; None when there is no such table."""
    if not exists(connection, name):
        return None
    table = _table(name)
    return tuple(sorted(str(v) for v in connection.execute(sa.select(table.c.version_num)).scalars()))


def drop(connection: sa.Connection, name: str = VERSION_TABLE) -> None:
    """Drop the table (in the caller's transaction, where the database has transactional DDL)."""
    _table(name).drop(connection)

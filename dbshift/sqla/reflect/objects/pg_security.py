"""PostgreSQL row-level security, policies, grants and comments on objects, as :class:`~dbshift.core.objects.DbObject`."""

from __future__ import annotations

import sqlalchemy as sa

from ....core.objects import DbObject


def read(connection: sa.engine.Connection, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The objects of this group in ``schemas`` (None: the default schema)."""
    return []

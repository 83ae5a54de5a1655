"""Rendering operations to SQL, per dialect: ``render(op, dialect, schema)``."""

from __future__ import annotations

from functools import lru_cache

from ..core import model as m
from ..core import ops as o
from ..core.mysql_algorithm import Server
from .base import Guard, Renderer, Replay, Statement, UnsupportedOperation


@lru_cache(maxsize=None)
def renderer_for(dialect: str, server: Server | None = None) -> Renderer:
    """The renderer of ``dialect``; on MySQL and MariaDB, writing for ``server`` (see :func:`render`)."""
    if dialect == "postgresql":
        from .postgresql import PostgresRenderer

        return PostgresRenderer()
    if dialect == "sqlite":
        from .sqlite import SqliteRenderer

        return SqliteRenderer()
    if dialect == "mysql":
        from .mysql import MySQLRenderer

        return MySQLRenderer(server)
    if dialect == "mariadb":
        from .mysql import MariaDBRenderer

        return MariaDBRenderer(server)
    raise ValueError(f"no SQL renderer for dialect {dialect!r}")


def render(op: o.Op, dialect: str, schema: m.Schema, server: Server | None = None) -> list[Statement]:
    """The statements for ``op`` on ``dialect``; ``schema`` is the schema before ``op``.  ``server``, the
    server they run on (``("mariadb", (10, 11, 6))``, see :func:`~dbshift.sqla.dialect.server_version`), lets
    MySQL and MariaDB statements state the algorithm of each ALTER TABLE (:mod:`dbshift.render.mysql`)."""
    return renderer_for(dialect, server if dialect in ("mysql", "mariadb") else None).render(op, schema)


__all__ = ["render", "renderer_for", "Guard", "Replay", "Statement", "UnsupportedOperation"]

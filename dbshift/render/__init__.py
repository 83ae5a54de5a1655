"""Rendering operations to SQL, per dialect: ``render(op, dialect, schema)``."""

from __future__ import annotations

from functools import lru_cache

from ..core import model as m
from ..core import ops as o
from .base import Guard, Renderer, Replay, Statement, UnsupportedOperation


@lru_cache(maxsize=None)
def renderer_for(dialect: str) -> Renderer:
    if dialect == "postgresql":
        from .postgresql import PostgresRenderer

        return PostgresRenderer()
    if dialect == "sqlite":
        from .sqlite import SqliteRenderer

        return SqliteRenderer()
    if dialect == "mysql":
        from .mysql import MySQLRenderer

        return MySQLRenderer()
    if dialect == "mariadb":
        from .mysql import MariaDBRenderer

        return MariaDBRenderer()
    raise ValueError(f"no SQL renderer for dialect {dialect!r}")


def render(op: o.Op, dialect: str, schema: m.Schema) -> list[Statement]:
    """The statements for ``op`` on ``dialect``; ``schema`` is the schema before ``op``."""
    return renderer_for(dialect).render(op, schema)


__all__ = ["render", "renderer_for", "Guard", "Replay", "Statement", "UnsupportedOperation"]

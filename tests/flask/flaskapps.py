"""Helpers for the ``flask db`` tests: apps with fresh ``SQLAlchemy()`` objects, the CLI runner, peeking at databases.

Model classes register globally per ``db`` object, so every app gets its own
``SQLAlchemy()`` and its own model classes (``version=2`` is the same models
after a change: a ``price`` column and a ``tag`` table).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dbshift.flask import Migrate

USER_PASSWORD = "S3cret-Pw-42"  # the password of the conftest's MariaDB user


def build_app(
    url: str,
    directory: Path,
    *,
    version: int = 1,
    bind_url: str | None = None,
    models: bool = True,
    config: dict[str, Any] | None = None,
    **migrate_options: Any,
) -> Flask:
    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)
    if models:
        if version == 1:

            class Product(db.Model):
                __tablename__ = "product"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str] = mapped_column(sa.String(100))

        else:

            class Product(db.Model):  # type: ignore[no-redef]
                __tablename__ = "product"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str] = mapped_column(sa.String(100))
                price: Mapped[int] = mapped_column(server_default="0")

            class Tag(db.Model):
                __tablename__ = "tag"
                id: Mapped[int] = mapped_column(primary_key=True)
                product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)

        if bind_url:

            class AuditEntry(db.Model):
                __bind_key__ = "audit"
                __tablename__ = "audit_entry"
                id: Mapped[int] = mapped_column(primary_key=True)
                action: Mapped[str] = mapped_column(sa.String(40))

    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_BINDS={"audit": bind_url} if bind_url else {},
        DBSHIFT_DIRECTORY=str(directory),
    )
    app.config.update(config or {})
    db.init_app(app)
    app.extensions["test_db"] = db
    Migrate(app, db, **migrate_options)
    return app


class FlaskDb:
    """Runs ``flask db ...`` through Flask's CLI runner, as a user would type it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.runner = app.test_cli_runner()

    def __call__(self, *args: str, expect: int = 0, env: dict[str, str] | None = None):  # noqa: ANN204
        result = self.runner.invoke(args=["db", *args], env=env)
        shown = f"flask db {' '.join(args)} exited {result.exit_code}:\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            shown + f"\nescaped: {result.exception!r}"
        )
        assert result.exit_code == expect, shown
        if expect == 1:
            assert len(result.stderr.strip().splitlines()) == 1, f"errors must be one line:\n{result.stderr}"
        assert "Traceback" not in result.output
        return result


def tables(url: str) -> set[str]:
    from dbshift.database.connect import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return names


def history_rows(url: str) -> list[str]:
    from dbshift.database.connect import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.exec_driver_sql("SELECT revision FROM dbshift_history ORDER BY revision")]
    engine.dispose()
    return rows


def revisions(folder: Path) -> list[str]:
    """Revision ids of the migration files in ``folder``, oldest first."""
    return [p.name[:19] for p in sorted(folder.glob("*.py"))]


def dbshift_commands_in(text: str) -> list[str]:
    """The ``dbshift <command>`` invocations ``text`` tells the user to run (under ``flask db``: none)."""
    from dbshift.cli.parser import build_parser

    parser = build_parser()
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    pattern = rf"\bdbshift (?:{'|'.join(map(re.escape, verbs))})\b|\brun dbshift\b|'dbshift\b"
    return re.findall(pattern, text)

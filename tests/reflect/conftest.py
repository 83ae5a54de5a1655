"""Fixtures for the reflection tests: real databases, one per test module.

PostgreSQL: each module gets its own database ``dbshift_t_<hex>`` on the
server at ``DBSHIFT_TEST_PG`` (default ``postgres@127.0.0.1:5432``), dropped
``WITH (FORCE)`` afterwards.  An unreachable server skips the module locally
and fails it under ``CI=true``.

SQLite: each module gets its own temporary database file.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("DBSHIFT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, exc: BaseException) -> None:
    """Skip (locally) or fail (under CI=true) because a server is missing."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = f"{what} is not reachable: {first_line}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing database server is a failure, not a skip)")
    pytest.skip(message)


def fresh_name() -> str:
    return f"dbshift_t_{uuid.uuid4().hex[:12]}"


def _admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped on exit."""
    admin = _admin_engine()
    name = fresh_name()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL at {sa.engine.make_url(PG_ADMIN_URL).render_as_string()}", exc)
    try:
        yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[sa.Engine]:
    """An engine on this module's own PostgreSQL database."""
    with postgres_database() as url:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """An engine on this module's own SQLite database file."""
    path = tmp_path_factory.mktemp("reflect") / f"{fresh_name()}.db"
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def run_script(conn: sa.Connection, script: str) -> None:
    """Execute ``;``-separated DDL (no ``;`` inside the statements, please)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


class QueryCounter:
    """Counts the statements a connection sends (``before_cursor_execute``)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.statements: list[str] = []

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self.statements.append(statement)

    def __enter__(self) -> "QueryCounter":
        sa.event.listen(self.conn, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.conn, "before_cursor_execute", self._seen)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture(scope="session")
def execute_script():
    """:func:`run_script`, for test modules (conftest is not imported directly)."""
    return run_script


@pytest.fixture(scope="session")
def query_counter():
    """:class:`QueryCounter`, for test modules."""
    return QueryCounter

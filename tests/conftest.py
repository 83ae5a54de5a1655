"""Shared fixtures: real, uniquely named databases on every supported server.

Locally a test whose server is absent is skipped with the reason; under
``CI=true`` an absent server is a failure.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("DBSHIFT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("DBSHIFT_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.slow_tests"]


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing server is a failure)")
    pytest.skip(message)


def _fresh_name() -> str:
    return f"dbshift_t_{uuid.uuid4().hex[:12]}"


class PostgresServer:
    def __init__(self) -> None:
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def create(self) -> str:
        name = _fresh_name()
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return str(sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))

    def drop(self, url: str) -> None:
        name = sa.engine.make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    try:
        with server.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        _unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    yield server
    server.admin.dispose()


@pytest.fixture
def pg_url(postgres_server) -> str:
    url = postgres_server.create()
    yield url
    postgres_server.drop(url)


class MariaDBServer:
    """The MySQL/MariaDB server at ``DBSHIFT_TEST_MYSQL``: one fresh database per test."""

    def __init__(self) -> None:
        self.admin = sa.create_engine(MYSQL_ADMIN_URL, poolclass=sa.pool.NullPool)

    def create(self) -> str:
        name = _fresh_name()
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
        return str(sa.engine.make_url(MYSQL_ADMIN_URL).set(database=name).render_as_string(hide_password=False))

    def drop(self, url: str) -> None:
        name = sa.engine.make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture(scope="session")
def mariadb_server():
    server = MariaDBServer()
    try:
        with server.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"MySQL/MariaDB at {sa.engine.make_url(MYSQL_ADMIN_URL).render_as_string()}", exc)
    yield server
    server.admin.dispose()


@pytest.fixture
def mysql_url(mariadb_server) -> str:
    url = mariadb_server.create()
    yield url
    mariadb_server.drop(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request, tmp_path: Path) -> str:
    """A fresh, empty database on each dialect in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server = request.getfixturevalue("mariadb_server" if request.param == "mariadb" else "postgres_server")
    url = server.create()
    yield url
    server.drop(url)

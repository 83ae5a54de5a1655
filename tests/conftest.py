"""Shared fixtures: real, uniquely named databases on every supported server.

Locally a test whose server is absent is skipped with the reason; under
``CI=true`` an absent server is a failure.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import Databases

PG_ADMIN_URL = os.environ.get("DBSHIFT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("DBSHIFT_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.slow_tests"]


def _private_cache_dir() -> None:
    """The suite's caches (migration headers and code) in a folder of its own, removed at the end, never in the
    user's: thousands of test projects would otherwise fill ``~/.cache/dbshift`` and push out the entries of the
    user's own projects.  Every process of the run shares it (the workers and the commands they start inherit
    the variable); a value set before the run is kept."""
    if "DBSHIFT_CACHE_DIR" in os.environ:
        return
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="dbshift-test-cache-")
    os.environ["DBSHIFT_CACHE_DIR"] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


_private_cache_dir()


@sa.event.listens_for(sa.engine.Engine, "do_connect")
def _shared_tls_context(dialect, record, cargs, cparams):  # noqa: ANN001, ANN202 - SQLAlchemy's event signature
    """The tests' own MariaDB engines connect as dbshift's do (one TLS context per process, no CA certificates
    loaded on each connection: ``dbshift.database.mysql_tls``); dbshift's engines are left to their own listeners."""
    from dbshift.database.connect import connect_with_shared_tls

    if dialect.driver != "pymysql" or connect_with_shared_tls in dialect.dispatch.do_connect.listeners:
        return None
    if any(key.startswith("ssl") for key in cparams):
        return None
    from dbshift.database.mysql_tls import connect

    return connect(*cargs, **cparams)


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test process builds a large heap once (every module, every collected test) and keeps it: the garbage
    collector leaves that heap alone from now on and runs as rarely as in the ``dbshift`` process itself."""
    from dbshift.cli.process import YOUNG_THRESHOLD

    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing server is a failure)")
    pytest.skip(message)


class Server:
    """A database server: one fresh, uniquely named database per test, made ahead of need and dropped behind."""

    admin: sa.Engine  # for the tests' own administration (users, sessions)

    def __init__(self) -> None:
        self.databases: Databases | None = None

    def _databases(self) -> Databases:
        raise NotImplementedError

    def start(self) -> None:
        self.databases = self._databases()

    def create(self) -> str:
        assert self.databases is not None
        return self.databases.take()

    def drop(self, url: str) -> None:
        """Drop the database at ``url`` soon (see :meth:`wait_for_drops`)."""
        assert self.databases is not None
        self.databases.give_back(url)

    def wait_for_drops(self) -> None:
        """Return once every database dropped so far is gone: before dropping a role or user owning objects in one."""
        if self.databases is not None:
            self.databases.wait_for_drops()

    def close(self) -> None:
        """Return once every database made is dropped."""
        if self.databases is not None:
            self.databases.close()
        self.admin.dispose()


class PostgresServer(Server):
    def __init__(self) -> None:
        super().__init__()
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def _databases(self) -> Databases:
        return Databases(sa.engine.make_url(PG_ADMIN_URL), lambda name: f'CREATE DATABASE "{name}"',
                         lambda name: f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    try:
        with server.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        _unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    server.start()
    yield server
    server.close()


@pytest.fixture
def pg_url(postgres_server) -> str:
    url = postgres_server.create()
    yield url
    postgres_server.drop(url)


class MariaDBServer(Server):
    def __init__(self) -> None:
        super().__init__()
        self.admin = sa.create_engine(MYSQL_ADMIN_URL, poolclass=sa.pool.NullPool)

    def _databases(self) -> Databases:
        return Databases(sa.engine.make_url(MYSQL_ADMIN_URL), lambda name: f"CREATE DATABASE `{name}`",
                         lambda name: f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture(scope="session")
def mariadb_server():
    server = MariaDBServer()
    try:
        with server.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"MySQL/MariaDB at {sa.engine.make_url(MYSQL_ADMIN_URL).render_as_string()}", exc)
    server.start()
    yield server
    server.close()


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

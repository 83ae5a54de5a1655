"""Fixtures for the ``flask db`` tests (helpers live in flaskapps.py)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from flaskapps import USER_PASSWORD, build_app
from tests.cli.terminal import Terminal, environment


@pytest.fixture
def make_app():
    """``make_app(url, directory, version=1, bind_url=None, models=True, config=None, **Migrate options)``."""
    apps: list[Flask] = []

    def make(*args: Any, **kwargs: Any) -> Flask:
        app = build_app(*args, **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()


@pytest.fixture
def second_url(db_url: str, request, tmp_path: Path) -> str:
    """Another empty database on the same kind of server as ``db_url`` (for a bind, or "production")."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    server = request.getfixturevalue("postgres_server" if db_url.startswith("postgresql") else "mariadb_server")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def mariadb_user(mysql_url: str, mariadb_server) -> Iterator[str]:
    """A MariaDB user whose password (``USER_PASSWORD``) the server checks, with every privilege on ``mysql_url``."""
    user, password = f"dbshift_u_{uuid.uuid4().hex[:8]}", USER_PASSWORD
    database = sa.engine.make_url(mysql_url).database
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT ALL ON `{database}`.* TO '{user}'@'%%'")
    yield user
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")


@pytest.fixture(scope="session")
def warm_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terminal]:
    """One process with Flask, SQLAlchemy and dbshift imported: ``warm_python.capture(["flask", ...], cwd, env)``
    runs each command in a process of its own (forked from it), as ``subprocess.run`` would, minus the start-up."""
    warm = Terminal(environment(tmp_path_factory.mktemp("home")))
    yield warm
    warm.close()

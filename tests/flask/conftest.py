"""Fixtures for the ``flask db`` tests (helpers live in flaskapps.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flaskapps import build_app


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

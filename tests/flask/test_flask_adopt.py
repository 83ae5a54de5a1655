"""``flask db adopt``: a Flask-Migrate app keeps its ``migrations/`` folder and its databases' history."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adopt.alembic_history import HEAD, ORDER, alembic_upgrade, quoted_rows, write_project
from tests.flask.flaskapps import FlaskDb, build_app, history_rows, tables

pytest.importorskip("alembic")


def test_a_flask_migrate_database_is_adopted_then_upgraded_under_flask_db(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    root = write_project(tmp_path / "proj", url)
    alembic_upgrade(root, url, "2b0000000002")  # a database Flask-Migrate left at an older revision
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in quoted_rows(url):
            conn.exec_driver_sql(statement)
    engine.dispose()
    flask_db = FlaskDb(build_app(url, root / "migrations", models=False))

    planned = flask_db("adopt", "--dry-run").output
    assert "1a0000000001" in planned and "2b0000000002" in planned
    assert "dbshift_history" not in tables(url)

    flask_db("adopt", "--yes")
    assert history_rows(url) == ["1a0000000001", "2b0000000002"]
    assert "alembic_version" in tables(url)  # Alembic still works until the adoption is confirmed

    flask_db("upgrade")
    assert set(history_rows(url)) == set(ORDER)
    assert HEAD in flask_db("current").output

    flask_db("adopt", "--confirm")
    assert "alembic_version" not in tables(url)


def test_a_bind_cannot_use_an_alembic_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    root = write_project(tmp_path / "proj", url)
    app = build_app(url, root / "migrations", bind_url=f"sqlite:///{tmp_path / 'audit.db'}")
    result = FlaskDb(app)("current", "--bind", "audit", expect=1)
    assert "Flask-Migrate's Alembic files" in result.stderr

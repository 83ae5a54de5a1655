"""``flask db`` with views and triggers registered with ``db.metadata``."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flaskapps import FlaskDb, build_app

from dbshift.objects import Trigger, View, register


def test_flask_db_migrate_and_check_carry_registered_objects(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    app = build_app(url, tmp_path / "migrations")
    register(
        app.extensions["test_db"].metadata,
        View("named", "SELECT id, name FROM product WHERE name <> ''"),
        Trigger("CREATE TRIGGER no_blank BEFORE INSERT ON product BEGIN SELECT RAISE(ABORT, 'blank') "
                "WHERE NEW.name = ''; END"),
    )
    flask_db = FlaskDb(app)
    flask_db("init")
    out = flask_db("migrate", "-m", "objects").output
    assert "create view named" in out and "create trigger no_blank" in out
    flask_db("upgrade")
    assert "The database matches the models." in flask_db("check").output
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO product (id, name) VALUES (1, 'lamp')")
        assert conn.exec_driver_sql("SELECT name FROM named").scalar() == "lamp"
        conn.exec_driver_sql("DROP VIEW named")
    engine.dispose()
    assert "create view named" in flask_db("check", expect=2).output

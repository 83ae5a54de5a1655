"""The example application in examples/flask_shop: its shipped migrations build both databases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flaskapps import FlaskDb, history_rows, tables

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(db_url: str, second_url: str):
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from examples.flask_shop import create_app, db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SQLALCHEMY_BINDS": {"audit": second_url}})
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_the_example_shop_migrates_both_binds(shop, db_url: str, second_url: str):
    db = FlaskDb(shop)
    out = db("upgrade", "--all-binds").output
    assert "Default bind" in out and "Bind 'audit'" in out
    assert {"category", "product"} <= tables(db_url) and "audit_entry" in tables(second_url)
    assert len(history_rows(db_url)) == 2 and len(history_rows(second_url)) == 1
    assert db("check", "--all-binds").output.count("The database matches the models.") == 2

    from examples.flask_shop import db as sqla
    from examples.flask_shop.models import Category, Product

    with shop.app_context():
        tools = Category(name="tools")
        sqla.session.add(Product(name="hammer", price=12.5, category=tools))
        sqla.session.commit()
    assert shop.test_client().get("/products").json == [
        {"name": "hammer", "price": "12.50", "category": "tools", "stock": 0}
    ]


def test_the_documented_commands_work(tmp_path: Path, warm_python):
    """As examples/flask_shop/__init__.py says: from the repository root, or from examples/ with FLASK_APP
    (each command a process of its own, forked from one with Flask imported)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DBSHIFT_", "SHOP_"))}
    env.update(PYTHONPATH=str(REPO), SHOP_DATABASE_URL=f"sqlite:///{tmp_path / 'shop.db'}",
               SHOP_AUDIT_DATABASE_URL=f"sqlite:///{tmp_path / 'audit.db'}")

    def run(cwd: Path, *args: str, **extra: str) -> str:
        done = warm_python.capture(["flask", *args], cwd, {**env, **extra})
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "Bind 'audit'" in run(REPO, "--app", "examples.flask_shop", "db", "upgrade", "--all-binds")
    assert "(head)" in run(REPO / "examples", "db", "current", FLASK_APP="flask_shop")
    assert "stock per product" in run(REPO / "examples", "db", "history", FLASK_APP="flask_shop")
    assert (tmp_path / "shop.db").exists() and (tmp_path / "audit.db").exists(), "the URLs came from the environment"

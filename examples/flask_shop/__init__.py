"""A small shop on Flask + Flask-SQLAlchemy, migrated with dbshift (no env.py, no alembic.ini).

Run from the repository root::

    flask --app examples.flask_shop db upgrade --all-binds   # both databases to head
    flask --app examples.flask_shop db current --all-binds
    flask --app examples.flask_shop db history
    # change a model in models.py, then:
    flask --app examples.flask_shop db migrate -m "what changed"
    flask --app examples.flask_shop db upgrade

The shop's tables live in the default bind (``SHOP_DATABASE_URL``, by default
``instance/shop.db`` next to this file); the audit log lives in a second
database, the ``audit`` bind (``SHOP_AUDIT_DATABASE_URL``, by default
``instance/audit.db``), with its own migrations in ``migrations/audit/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from dbshift.flask import Migrate

HERE = Path(__file__).resolve().parent


class Base(DeclarativeBase):
    # Named constraints: the same names on every database, so migrations written
    # on one (say SQLite in development) match the models on another (PostgreSQL).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
# An absolute directory: the migrations ship with the package, wherever it is run from.
migrate = Migrate(directory=HERE / "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(HERE / "instance"))
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=os.environ.get("SHOP_DATABASE_URL", "sqlite:///shop.db"),
        SQLALCHEMY_BINDS={"audit": os.environ.get("SHOP_AUDIT_DATABASE_URL", "sqlite:///audit.db")},
        # In production, migrate with a privileged user; its password is asked for
        # (or read from $DBSHIFT_MIGRATION_PASSWORD), never stored:
        # DBSHIFT_MIGRATION_URL="postgresql://shop_owner@db.internal/shop",
        REQUIRE_CURRENT_SCHEMA=False,
    )
    if config:
        app.config.update(config)

    db.init_app(app)
    migrate.init_app(app, db)

    from . import models  # noqa: F401 - registers the models on db.metadatas

    if app.config["REQUIRE_CURRENT_SCHEMA"]:
        # Refuse to start on an old schema (skipped while `flask db ...` loads the app).
        migrate.require_current()

    @app.get("/products")
    def products() -> list[dict[str, Any]]:
        rows = db.session.scalars(db.select(models.Product).order_by(models.Product.name))
        return [{"name": p.name, "price": str(p.price), "category": p.category.name, "stock": p.stock} for p in rows]

    return app

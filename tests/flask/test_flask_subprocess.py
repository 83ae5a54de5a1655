"""``python -m flask --app ... db ...`` as a real process: no FLASK_APP, a temporary working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flaskapps import history_rows, tables

REPO = Path(__file__).resolve().parents[2]

APP = '''
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dbshift.flask import Migrate


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["SHOP_URL"]
    db.init_app(app)
    migrate.init_app(app, db)   # migrations/ next to this file
    migrate.require_current()   # refuse to start on an old schema
    return app
'''


def _flask(cwd: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DBSHIFT_"))}
    env["PYTHONPATH"] = str(REPO)
    env["SHOP_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "shopapp", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


def test_flask_db_as_a_real_command(db_url: str, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "shopapp.py").write_text(APP)

    for argv in (["db", "init"], ["db", "migrate", "-m", "initial"]):
        done = _flask(project, db_url, *argv)
        assert done.returncode == 0, done.stderr

    refused = _flask(project, db_url, "routes")
    assert refused.returncode != 0 and "the database is behind the migrations" in refused.stderr

    done = _flask(project, db_url, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "Applying" in done.stdout and "Now at" in done.stdout
    assert "product" in tables(db_url) and len(history_rows(db_url)) == 1
    assert (project / "migrations").is_dir() and not (project / "migrations" / "env.py").exists()

    assert _flask(project, db_url, "routes").returncode == 0, "the app starts once the database is current"

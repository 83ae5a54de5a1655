"""An application's ``@compiles`` override for ``"mysql"`` (CTFd's ``DATETIME(6)``) holds on MariaDB too.

SQLAlchemy calls a MariaDB server reached through a ``mysql://`` URL "mysql", so the application's own
``create_all()`` builds ``DATETIME(6)`` there: dbshift builds and compares the same, microseconds kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from dbshift import api
from dbshift.config import Config


class AppDateTime(sa.DateTime):
    """A date and time the application spells DATETIME(6) on MySQL, as CTFd does for every DateTime."""

    cache_ok = True


@compiles(AppDateTime, "mysql")
def _app_datetime_on_mysql(type_: AppDateTime, compiler: Any, **kw: Any) -> str:
    return "DATETIME(6)"


def models() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("event", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", AppDateTime))
    return md


def config(root: Path, url: str) -> Config:
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=models())


def column_type(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
            " AND TABLE_NAME = 'event' AND COLUMN_NAME = 'at'"
        ).scalar_one()
    engine.dispose()
    return str(found).lower()


def test_a_migration_builds_the_override_and_keeps_microseconds(mysql_url: str, tmp_path: Path) -> None:
    cfg = config(tmp_path / "p", mysql_url)
    api.revision(cfg, "initial", autogenerate=True)
    api.upgrade(cfg)
    assert column_type(mysql_url) == "datetime(6)"
    assert api.check(cfg).ops == ()
    moment = dt.datetime(2026, 12, 6, 12, 0, 0, 123456)
    engine = sa.create_engine(mysql_url)
    with engine.begin() as conn:
        conn.execute(models().tables["event"].insert(), {"id": 1, "at": moment})
        assert conn.execute(sa.text("SELECT at FROM event")).scalar_one() == moment
    engine.dispose()


def test_a_database_the_application_built_compares_clean(mysql_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(mysql_url)
    models().create_all(engine)
    engine.dispose()
    assert column_type(mysql_url) == "datetime(6)"
    cfg = config(tmp_path / "p", mysql_url)
    assert api.check(cfg).ops == ()

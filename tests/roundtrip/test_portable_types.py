"""One history for three databases: migrations generated on any of SQLite, PostgreSQL and MariaDB apply on
each of them and leave nothing to change there, rows included.

The models (:mod:`tests.roundtrip.portable_models`) hold every common SQLAlchemy type, a variant, a
``TypeDecorator`` and a ``@compiles`` type of the application's own, and server defaults of each kind.
Two migrations are generated on each database; each of the nine (generated on, applied on) pairs then
upgrades step by step, inserts a row through SQLAlchemy, and downgrades, with ``check`` clean after
each step and the row read back unchanged.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.database.connect import create_engine
from tests.roundtrip import portable_models as models

DIALECTS = ("sqlite", "postgresql", "mariadb")


def _metadata(build: Callable[[sa.MetaData], Any]) -> sa.MetaData:
    md = sa.MetaData()
    build(md)
    return md


def _config(root: Path, url: str, build: Callable[[sa.MetaData], Any]) -> Config:
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=_metadata(build))


class Servers:
    """Fresh databases of each dialect, dropped at the end."""

    def __init__(self, request: pytest.FixtureRequest, tmp: Path) -> None:
        self.request, self.tmp, self.made = request, tmp, []

    def url(self, dialect: str) -> str:
        if dialect == "sqlite":
            path = self.tmp / f"db{len(self.made)}.db"
            self.made.append((None, path))
            return f"sqlite:///{path}"
        server = self.request.getfixturevalue("postgres_server" if dialect == "postgresql" else "mariadb_server")
        url = server.create()
        self.made.append((server, url))
        return url

    def drop(self) -> None:
        for server, url in self.made:
            if server is not None:
                server.drop(url)


@pytest.fixture(scope="module")
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """For each dialect, a migrations directory generated on it: ``first`` then ``second``."""
    servers = Servers(request, tmp_path_factory.mktemp("databases"))
    made: dict[str, Path] = {}
    try:
        for dialect in DIALECTS:
            root = tmp_path_factory.mktemp(f"made_on_{dialect}")
            (root / "migrations").mkdir()
            url = servers.url(dialect)
            assert api.revision(_config(root, url, models.first), "first", autogenerate=True).path is not None
            api.upgrade(_config(root, url, models.first))
            assert api.revision(_config(root, url, models.second), "second", autogenerate=True).path is not None
            made[dialect] = root / "migrations"
        yield made
    finally:
        servers.drop()


@pytest.fixture
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Servers]:
    made = Servers(request, tmp_path)
    yield made
    made.drop()


def _clean(config: Config, pending: int = 0) -> None:
    """``check`` finds nothing to change (and no problem but the ``pending`` migrations not applied yet)."""
    result = api.check(config)
    problems = [p for p in result.problems if not (pending and p.startswith(f"{pending} migration(s) not applied"))]
    assert result.ops == () and problems == [], [op.describe() for op in result.ops] + list(result.problems)


def _insert(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(_metadata(models.first).tables["everything"]), models.ROW)
    engine.dispose()


def _read(url: str, build: Callable[[sa.MetaData], Any]) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(_metadata(build).tables["everything"])).mappings().one()
    engine.dispose()
    found = dict(row)
    created = found.pop("created")
    assert isinstance(created, dt.datetime)  # filled by the database's default
    if isinstance(found["dtz"], dt.datetime) and found["dtz"].tzinfo is not None:
        found["dtz"] = found["dtz"].replace(tzinfo=None)  # as written: the session's time zone both ways
    return found


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return names - {"dbshift_history"}


@pytest.mark.parametrize("applied_on", DIALECTS)
@pytest.mark.parametrize("made_on", DIALECTS)
def test_a_history_generated_on_one_database_applies_on_each(generated, servers, tmp_path, made_on, applied_on):
    root = tmp_path / "project"
    shutil.copytree(generated[made_on], root / "migrations")
    url = servers.url(applied_on)
    first, second = sorted(p.name.split("_")[0] + "_" + p.name.split("_")[1] for p in (root / "migrations").glob("*.py"))

    api.upgrade(_config(root, url, models.first), first)
    _clean(_config(root, url, models.first), pending=1)
    _insert(url)
    assert _read(url, models.first) == models.READ_BACK

    api.upgrade(_config(root, url, models.second))
    _clean(_config(root, url, models.second))
    assert _read(url, models.second) == {**models.READ_BACK, "grade": "low", "seen": False}
    assert _tables(url) == {"everything", "visit"}

    api.downgrade(_config(root, url, models.first), first)
    _clean(_config(root, url, models.first), pending=1)
    assert _read(url, models.first) == models.READ_BACK

    api.downgrade(_config(root, url, models.first), "base")
    assert _tables(url) == set()


def _plain_datetimes(md: sa.MetaData) -> None:
    """The first models with the columns that keep microseconds on MySQL/MariaDB made plain ``DateTime``."""
    table = models.everything(md)
    table.c.stamp.type = sa.DateTime()
    table.c.precise.type = sa.DateTime()


def test_on_mariadb_a_history_made_elsewhere_builds_each_type_as_sqlalchemy_does(generated, mysql_url, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(generated["sqlite"], root / "migrations")
    api.upgrade(_config(root, mysql_url, models.first), "+1")
    engine = create_engine(mysql_url)
    with engine.connect() as conn:
        types = dict(conn.exec_driver_sql(
            "SELECT column_name, column_type FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = 'everything'"
        ).fetchall())
    engine.dispose()
    assert {k: types[k] for k in ("u", "stamp", "precise", "f", "dbl", "mood", "email")} == {
        "u": "uuid",  # MariaDB 10.7+: SQLAlchemy binds the 36-character form
        "stamp": "datetime(6)", "precise": "datetime(6)",
        "f": "float", "dbl": "double",
        "mood": "enum('happy','sad')", "email": "varchar(120)",
    }
    found = api.check(_config(root, mysql_url, _plain_datetimes)).ops
    assert sorted(op.describe() for op in found) == ["alter column everything.precise (type)",
                                                     "alter column everything.stamp (type)"]

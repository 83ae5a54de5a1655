"""A process running many commands on one database (a program, a Flask application, a test suite) keeps one
engine for it: SQLAlchemy learns the server once.  What it learned is checked before each command, so a server
changed between commands is written for as it now is."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.database import engines


@contextlib.contextmanager
def learning() -> Iterator[list[str]]:
    """One entry for each engine that learns its server (its dialect's initialisation, on its first connection)
    while the block runs."""
    learned: list[str] = []

    def record(dbapi_connection, connection_record) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
        learned.append("learned")

    sa.event.listen(sa.pool.Pool, "first_connect", record)
    try:
        yield learned
    finally:
        sa.event.remove(sa.pool.Pool, "first_connect", record)


def _kept_for(url: str) -> engines._Kept:
    """The engine kept for the database at ``url`` (with the version it learned)."""
    database = sa.engine.make_url(url).database
    (kept,) = [k for key, k in engines._kept.items() if key[0].database == database]
    return kept


def _config(tmp_path: Path, url: str, *columns: sa.Column) -> Config:
    metadata = sa.MetaData()
    sa.Table("shop", metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)
    (tmp_path / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(root=tmp_path, migrations=tmp_path / "migrations", url=url, url_source="test",
                  metadata_object=metadata)


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_a_second_command_on_the_same_database_does_not_learn_the_server_again(server, request, tmp_path) -> None:
    url = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")
    config = _config(tmp_path, url, sa.Column("name", sa.String(20)))
    engines.forget_all()
    with learning() as first:
        api.revision(config, "shop", autogenerate=True)
    with learning() as then:
        api.upgrade(config)
        result = api.check(config)
    assert result.ok and result.ops == ()
    assert (len(first), len(then)) == (1, 0), "the engine made by revision served the next two commands"
    engines.forget_all()
    with learning() as afresh:
        api.check(config)
    assert len(afresh) == 1


def test_a_setting_changed_between_commands_is_written_for(postgres_server, pg_url, tmp_path) -> None:
    """``standard_conforming_strings`` turned off for the database after a command: the engine that learned it on
    is not used again, and the value stored is the one the models give, backslashes and all."""
    value = r"C:\temp\new\x27 ok"
    api.revision(_config(tmp_path, pg_url), "shop", autogenerate=True)
    api.upgrade(_config(tmp_path, pg_url))
    kept = _kept_for(pg_url)
    database = sa.engine.make_url(pg_url).database
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{database}" SET standard_conforming_strings = off')

    config = _config(tmp_path, pg_url, sa.Column("path", sa.String(40), server_default=value, comment=value))
    api.revision(config, "path", autogenerate=True)
    api.upgrade(config)
    assert _kept_for(pg_url) is not kept, "the engine that learned the server before the change is not used again"

    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SHOW standard_conforming_strings").scalar() == "off"
        conn.exec_driver_sql("INSERT INTO shop (id) VALUES (1)")
        assert conn.exec_driver_sql("SELECT path FROM shop").scalar() == value
        comment = conn.exec_driver_sql("SELECT col_description('shop'::regclass, 2)").scalar()
    engine.dispose()
    assert comment == value
    assert api.check(config).ops == ()


def test_a_mode_the_engine_did_not_learn_gets_a_new_engine(mysql_url, tmp_path) -> None:
    """MariaDB's mode is the server's own (``SET GLOBAL``, shared by every test running): an engine whose dialect
    holds another mode than the session's is not used again."""
    config = _config(tmp_path, mysql_url)
    with learning() as learned:  # listening before any engine is made: each engine's first connection is heard
        api.revision(config, "shop", autogenerate=True)
        api.upgrade(config)
        kept = _kept_for(mysql_url)
        kept.engine.dialect._sql_mode += ",ANSI_QUOTES"
        before = len(learned)
        assert api.check(config).ops == ()
        assert len(learned) == before + 1
    assert _kept_for(mysql_url) is not kept


def test_engines_are_kept_for_a_few_databases_at_most(tmp_path) -> None:
    engines.forget_all()
    for i in range(engines.KEPT + 3):
        url = f"sqlite:///{tmp_path / f'{i}.db'}"
        api.upgrade(_config(tmp_path / f"p{i}", url))
    assert len(engines._kept) == engines.KEPT
    assert [key[0].database for key in engines._kept] == [str(tmp_path / f"{i}.db") for i in range(3, engines.KEPT + 3)]


def test_a_sqlite_file_whose_folder_is_gone_is_one_clear_error_with_an_engine_kept(tmp_path) -> None:
    folder = tmp_path / "data" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'app.db'}"
    config = _config(tmp_path, url)
    api.revision(config, "shop", autogenerate=True)
    api.upgrade(config)
    (folder / "app.db").unlink()
    folder.rmdir()
    with pytest.raises(Exception) as raised:
        api.upgrade(config)
    assert "does not exist" in str(raised.value) and str(folder) in str(raised.value)

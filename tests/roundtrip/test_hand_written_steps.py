"""Hand-written migrations: SQL, Python and seed rows; a failing migration changes nothing."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core.errors import DbshiftError


def models() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("color", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20), nullable=False))
    return md


def project(tmp_path: Path, url: str) -> Config:
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="t", metadata_object=models())


def hand_write(config: Config, body: str) -> Path:
    result = api.revision(config, "by hand")
    text = result.path.read_text()
    start = text.index("upgrade = [")
    result.path.write_text(text[:start] + textwrap.dedent(body))
    return result.path


def names(config: Config) -> list[str]:
    from dbshift.database.connect import create_engine

    engine = create_engine(config.url)
    with engine.connect() as conn:
        found = [r[0] for r in conn.exec_driver_sql("SELECT name FROM color ORDER BY id")]
    engine.dispose()
    return found


def test_seed_rows_sql_and_python_steps_run_and_reverse(db_url, tmp_path):
    config = project(tmp_path, db_url)
    api.revision(config, "colors", autogenerate=True)
    hand_write(config, '''
        def shout(connection):
            connection.exec_driver_sql("UPDATE color SET name = UPPER(name)")


        def whisper(connection):
            connection.exec_driver_sql("UPDATE color SET name = LOWER(name)")


        upgrade = [
            BulkInsert("color", [{"id": 1, "name": "red"}, {"id": 2, "name": "green"}]),
            RunSQL("INSERT INTO color (id, name) VALUES (3, 'blue%')", reverse_sql="DELETE FROM color WHERE id = 3"),
            RunPython(shout, whisper),
        ]
    ''')
    root_handlers = list(logging.getLogger().handlers)
    root_level = logging.getLogger().level
    api.upgrade(config)
    assert names(config) == ["RED", "GREEN", "BLUE%"]
    api.downgrade(config, "-1")
    assert names(config) == []
    assert logging.getLogger().handlers == root_handlers and logging.getLogger().level == root_level


def test_a_failing_migration_leaves_the_previous_revision(db_url, tmp_path):
    config = project(tmp_path, db_url)
    first = api.revision(config, "colors", autogenerate=True).revision
    api.upgrade(config)
    hand_write(config, '''
        upgrade = [
            CreateTable(Table("shade", (Column("id", "integer", nullable=False),), PrimaryKey(("id",)))),
            BulkInsert("color", [{"id": 1, "name": "red"}]),
            RunSQL("INSERT INTO no_such_table VALUES (1)"),
        ]
    ''')
    with pytest.raises(DbshiftError, match="no_such_table") as failure:
        api.upgrade(config)
    assert api.current(config) == (first.id,)
    if sa.engine.make_url(db_url).get_backend_name() in ("mysql", "mariadb"):
        # MySQL/MariaDB commit DDL: the history records exactly how far the migration got
        assert failure.value.outcome == "partial" and failure.value.number == 3
        (row,) = api.status(config).unfinished
        assert (row.status, row.statements_done) == ("failed", 2) and "no_such_table" in row.error
        return
    assert names(config) == [], "the seed row was rolled back"
    assert api.check(config).ops == (), "the new table was rolled back"

"""The history read through the driver alone is the history read through SQLAlchemy, on every database;
and an upgrade with nothing to do says so without the lock, while one with work waits for it."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.database import direct, history
from dbshift.database.connect import create_engine

from runner_helpers import Project


def _through_sqlalchemy(url: str) -> list[history.HistoryRow]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return history.rows(conn)
    finally:
        engine.dispose()


def test_the_driver_reads_the_rows_sqlalchemy_reads(db_url, tmp_path):
    project = Project.make(tmp_path / "p", db_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    assert direct.history_rows(db_url) in (None, []), "no table yet: the usual path tells"
    project.cli("upgrade")
    project.execute("UPDATE dbshift_history SET message = 'prix en €, größe' WHERE message = 'step 2'")
    rows = direct.history_rows(db_url, complete=True, writable=True)
    assert rows is not None and len(rows) == 2
    assert rows == _through_sqlalchemy(db_url)
    assert rows[1].message == "prix en €, größe" and rows[0].applied_at.year >= 2026


def test_a_url_in_another_form_or_an_older_table_is_left_to_the_usual_path(sqlite_url, tmp_path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.cli("upgrade")
    assert direct.history_rows(sqlite_url + "?timeout=5") is None
    assert direct.history_rows(sqlite_url, complete=True) is not None
    project.execute("ALTER TABLE dbshift_history DROP COLUMN plan")
    assert direct.history_rows(sqlite_url, complete=True) is None, "a run upgrades an older table, under the lock"
    assert [r.revision for r in direct.history_rows(sqlite_url)] == [r.revision for r in _through_sqlalchemy(sqlite_url)]
    text = project.cli("upgrade")
    assert "added column(s) plan" in text, text


def test_an_upgrade_with_nothing_to_do_needs_no_lock_and_one_with_work_waits(pg_url, tmp_path):
    from dbshift.database.lock import PG_LOCK_KEY

    project = Project.make(tmp_path / "p", pg_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.cli("upgrade")
    holder = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({PG_LOCK_KEY})")
            conn.commit()
            assert "Nothing to do" in project.cli("upgrade", "--lock-wait", "1s")
            project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
            text = project.cli("upgrade", "--lock-wait", "1s", expect=1)
            assert "lock" in text.lower(), text
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({PG_LOCK_KEY})")
            conn.commit()
    finally:
        holder.dispose()
    assert "Applying" in project.cli("upgrade")

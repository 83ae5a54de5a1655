"""What recording a migration costs stays flat: one history write per migration where DDL is transactional,
whatever the run's length; and the write that skips looking for an earlier row never overwrites one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.database import history
from dbshift.database.connect import create_engine

from runner_helpers import Project, rev_id


def test_each_migration_writes_its_history_row_in_one_statement(db_url, tmp_path):
    project = Project.make(tmp_path / "p", db_url)
    for n in range(20):
        project.add_sql(f"CREATE TABLE t{n} (id integer PRIMARY KEY)")
    sent: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
    try:
        api.upgrade(Config(root=project.root, migrations=project.migrations, url=db_url, url_source="test"))
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
    about_history = [s for s in sent if "dbshift_history" in s]
    inserts = [s for s in about_history if s.lstrip().upper().startswith("INSERT") and "VALUES" in s.upper()]
    assert len(inserts) == 20, inserts
    if not db_url.startswith("mysql"):  # MariaDB's DDL commits itself: its rows also track each statement done
        # the table made or checked once, each row written once: not a look-up, a check and a write per migration
        assert len(about_history) < 20 + 10, about_history
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = history.rows(conn)
    engine.dispose()
    assert sorted(r.revision for r in rows) == [rev_id(n) for n in range(1, 21)] and all(r.applied for r in rows)


def test_a_write_that_skips_looking_fails_on_an_existing_row_rather_than_lose_it(sqlite_url):
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        history.ensure_table(conn)
        history.record(conn, "r1", "first", "c" * 64, 5)
    with engine.connect() as conn:
        with pytest.raises(sa.exc.IntegrityError):
            history.record(conn, "r1", "again", "d" * 64, 7, exists=False)
        conn.rollback()
        rows = history.rows(conn)
    assert [(r.revision, r.message, r.checksum) for r in rows] == [("r1", "first", "c" * 64)]
    engine.dispose()

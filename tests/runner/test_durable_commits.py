"""PostgreSQL: a run's commits do not wait for the disk, and the run still ends durable and consistent.

Each migration commits with its history row; the session's commits return before the server has written them
to disk (``synchronous_commit = off``), and the run ends with one commit that waits for all of them.  Proven on
a cluster of the test's own that crashes (``pg_ctl stop -m immediate``: what the server had not written is
lost, as in a power cut) and whose WAL writer would not write on its own for 10 s:

- crashed right after ``upgrade`` returned, the server comes back with every migration and every history row;
- crashed part-way through a run, it comes back with the first migrations whole (tables and history rows
  together) and nothing of the rest, and a second ``upgrade`` finishes the job.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner_helpers import Project, rev_id  # noqa: E402

from dbshift.runner.sinks import DatabaseSink  # noqa: E402
from tests.private_postgres import PrivatePostgres  # noqa: E402

# nothing reaches the disk unless a commit waits for it: no WAL writer round for 10 s, no checkpoint
SLOW_WRITER = {"fsync": "off", "wal_writer_delay": "10000ms", "checkpoint_timeout": "1h", "max_wal_size": "4GB"}


@pytest.fixture
def server():
    cluster = PrivatePostgres(settings=SLOW_WRITER)
    try:
        yield cluster
    finally:
        cluster.remove()


def _project(tmp_path: Path, url: str, count: int) -> Project:
    project = Project.make(tmp_path / "p", url)
    for n in range(1, count + 1):
        project.add_sql(f"CREATE TABLE t{n} (id integer PRIMARY KEY, name text NOT NULL DEFAULT '')")
    return project


def _state(server: PrivatePostgres) -> tuple[set[str], set[str]]:
    """The tables ``t<n>`` and the revisions the history records as applied."""
    with psycopg.connect(server.url(), autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename ~ '^t[0-9]+$'")}
        if conn.execute("SELECT to_regclass('dbshift_history')").fetchone()[0] is None:
            return tables, set()
        revisions = {r[0] for r in conn.execute("SELECT revision FROM dbshift_history WHERE status = 'applied'")}
    return tables, revisions


def _expected(count: int) -> tuple[set[str], set[str]]:
    return {f"t{n}" for n in range(1, count + 1)}, {rev_id(n) for n in range(1, count + 1)}


def _after_crash(server: PrivatePostgres) -> tuple[set[str], set[str]]:
    server.crash()
    server.start()
    return _state(server)


def test_an_upgrade_that_returned_survives_a_crash(server, tmp_path):
    project = _project(tmp_path, server.url(), 40)
    project.cli("upgrade")
    assert _after_crash(server) == _expected(40)
    with psycopg.connect(server.url(), autocommit=True) as conn:  # each connection starts as the server says
        assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"


def test_without_the_last_waiting_commit_the_crash_loses_migrations(server, tmp_path, monkeypatch):
    """The test above can fail: the same run, its last commit not waiting, loses migrations to the crash."""
    finish = DatabaseSink.finish

    def finish_without_waiting(self: DatabaseSink) -> None:
        self._synchronous_commit = None  # the setting is not put back: nothing commits under it
        finish(self)

    monkeypatch.setattr(DatabaseSink, "finish", finish_without_waiting)
    project = _project(tmp_path, server.url(), 40)
    project.cli("upgrade")
    tables, revisions = _after_crash(server)
    assert len(revisions) < 40
    assert tables == {f"t{n}" for n in range(1, len(revisions) + 1)}, "the history matches the tables"


def test_a_crash_part_way_keeps_the_history_matching_the_tables(server, tmp_path):
    count = 400
    project = _project(tmp_path, server.url(), count)
    run = project.spawn("upgrade")
    deadline = time.monotonic() + 60
    with psycopg.connect(server.url(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT to_regclass('dbshift_history')").fetchone()[0] is not None:
                if conn.execute("SELECT count(*) FROM dbshift_history").fetchone()[0] >= 30:
                    break
            time.sleep(0.02)
        else:
            run.kill()
            pytest.fail(f"the run did not get 30 migrations in: {run.communicate()}")
    tables, revisions = _after_crash(server)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 1, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    applied = len(revisions)
    assert 0 < applied < count
    assert (tables, revisions) == _expected(applied), "a prefix of the migrations, each whole"
    project.cli("upgrade")
    assert _state(server) == _expected(count)


def test_a_role_that_cannot_write_the_closing_record_commits_each_migration_durably(server, tmp_path):
    """Without the right to run ``pg_logical_emit_message`` the run could not end durable: its commits wait."""
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE ROLE app LOGIN")
        conn.execute("GRANT CREATE ON SCHEMA public TO app")
        conn.execute("REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC")
    app = server.url().replace("postgresql://postgres@", "postgresql://app@")
    project = _project(tmp_path, app, 40)
    project.cli("upgrade")
    assert _after_crash(server) == _expected(40)


def test_a_connection_lost_before_the_closing_commit_is_told_in_one_line(server, tmp_path, monkeypatch):
    """Every migration committed, but the run cannot make sure they are on disk: it says so, and exits 1."""
    finish = DatabaseSink.finish

    def finish_after_losing_the_session(self: DatabaseSink) -> None:
        pid = self.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        self.connection.commit()
        with psycopg.connect(server.url(), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        finish(self)

    monkeypatch.setattr(DatabaseSink, "finish", finish_after_losing_the_session)
    project = _project(tmp_path, server.url(), 5)
    out = project.cli("upgrade", expect=1)
    assert "every migration ran and committed, but the server did not confirm they are on disk" in out, out
    assert "Traceback" not in out
    assert _state(server) == _expected(5), "no server crash: everything is there"

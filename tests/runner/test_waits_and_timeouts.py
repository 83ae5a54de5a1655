"""Waiting: for another runner (--lock-wait), for table locks (--lock-timeout), for slow statements (--statement-timeout).

Each limit gives one line and exit 1, and leaves the database where the
runner found it (PostgreSQL) or with an exact failure record (MariaDB).  A
runner waiting for the lock does not stand in the way of the holder's
``CREATE INDEX CONCURRENTLY``, which waits for every older transaction.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from typing import Iterator

import pytest
from runner_helpers import Project, backend, rev_id

from dbshift import api
from dbshift.database import lock
from dbshift.config import Config
from dbshift.database.connect import create_engine
from dbshift.runner import LockWaiting


@contextlib.contextmanager
def _lock_held(url: str) -> Iterator[None]:
    """Hold the run lock as another runner would, from this process."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn, lock.hold(conn, engine.url, timeout_s=5):
            yield
    finally:
        engine.dispose()


_HOLDER = {
    "postgresql": "PostgreSQL backend pid ",
    "mysql": "connection ",
    "sqlite": f"pid {os.getpid()} on ",
}


def test_a_runner_that_cannot_get_the_lock_gives_up_with_one_line(db_url, tmp_path):
    project = Project.make(tmp_path / "p", db_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    with _lock_held(db_url):
        started = time.monotonic()
        out = project.cli("upgrade", "--lock-wait", "300ms", expect=1)
        took = time.monotonic() - started
    waiting, error = out.strip().splitlines()
    holder = _HOLDER[backend(db_url)]
    assert waiting.startswith("Waiting up to 0.3 s for the migration lock held by " + holder), waiting
    gave_up = re.match(r"error: gave up after (\d+\.\d) s waiting for the migration lock \(held by " + re.escape(holder), error)
    assert gave_up and 0.3 <= float(gave_up.group(1)) < 5, error  # the time it waited: 0.3 s, or a little more on a busy machine
    assert "--lock-wait" in error
    assert took < 5 and project.tables() == set()
    assert "Now at" in project.cli("upgrade")


def _server_url(request, kind: str) -> str:
    return request.getfixturevalue("pg_url" if kind == "postgresql" else "mysql_url")


SLEEP = {"postgresql": "SELECT pg_sleep({})", "mariadb": "SELECT SLEEP({})"}


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_statement_timeout_stops_a_slow_statement(request, tmp_path, kind):
    project = Project.make(tmp_path / "p", _server_url(request, kind))
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.add_sql("INSERT INTO a VALUES (1)", SLEEP[kind].format(5), "INSERT INTO a VALUES (2)")
    started = time.monotonic()
    error = project.cli("upgrade", "--statement-timeout", "300ms", expect=1).strip().splitlines()[-1]
    assert time.monotonic() - started < 4, "the statement was cut short"
    assert f"{rev_id(2)} " in error and "statement 2 (" in error, error
    if kind == "postgresql":
        assert "canceling statement due to statement timeout" in error
        assert "left at the previous revision" in error
        assert project.history() == [(rev_id(1), "applied", 1)]
        assert project.query("SELECT id FROM a") == []
    else:
        assert "max_statement_time exceeded" in error and "statements 1-1 are committed" in error
        assert project.history() == [(rev_id(1), "applied", 1), (rev_id(2), "failed", 1)]

    # the fix: a statement that fits in the limit
    project.files[2].write_text(project.files[2].read_text().replace(SLEEP[kind].format(5), SLEEP[kind].format(0.1)))
    project.cli("upgrade", "--statement-timeout", "5s", *(["--resume"] if kind == "mariadb" else []))
    assert project.query("SELECT id FROM a ORDER BY id") == [(1,), (2,)], "statement 1 ran once"
    assert project.history() == [(rev_id(1), "applied", 1), (rev_id(2), "applied", 3)]


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_lock_timeout_stops_a_statement_waiting_for_a_busy_table(request, tmp_path, kind):
    url = _server_url(request, kind)
    project = Project.make(tmp_path / "p", url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1)")
    project.cli("upgrade")
    project.add_sql("ALTER TABLE a ADD COLUMN x integer")

    engine = create_engine(url)
    try:
        with engine.connect() as reader:
            reader.exec_driver_sql("SELECT * FROM a").all()  # an open transaction that read the table
            started = time.monotonic()
            error = project.cli("upgrade", "--lock-timeout", "200ms", expect=1).strip().splitlines()[-1]
            took = time.monotonic() - started
            reader.rollback()
    finally:
        engine.dispose()
    assert took < 5, f"waited {took:.1f} s for the table lock"
    assert f"{rev_id(2)} " in error and "statement 1 ('ALTER TABLE a ADD COLUMN x integer')" in error, error
    assert "lock timeout" in error if kind == "postgresql" else "Lock wait timeout exceeded" in error
    assert project.history() == [(rev_id(1), "applied", 2)], "nothing of it is committed: no row says otherwise"

    project.cli("upgrade", "--lock-timeout", "2s")  # the same command again, once the table is free
    assert project.history() == [(rev_id(1), "applied", 2), (rev_id(2), "applied", 1)]


def test_create_index_concurrently_while_another_runner_waits_for_the_lock(pg_url, tmp_path):
    """The waiting runner polls from an idle connection: it holds no snapshot the index build would wait for."""
    project = Project.make(tmp_path / "p", pg_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY, v integer)", "INSERT INTO a VALUES (1, 1)")
    project.cli("upgrade")
    project.add_sql("SELECT pg_sleep(2.5)", "CREATE INDEX CONCURRENTLY a_v ON a (v)")

    first = project.spawn("upgrade", "--lock-wait", "30")
    deadline = time.monotonic() + 30
    while project.query(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND left(query, 20) = 'SELECT pg_sleep(2.5)'"
    ) != [(1,)]:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first runner never reached its migration"
        time.sleep(0.05)

    config = Config(root=project.root, migrations=project.migrations, url=pg_url, url_source="test")
    waiting = threading.Event()
    outcome: list[object] = []

    def second() -> None:
        def emit(event: object) -> None:
            if isinstance(event, LockWaiting):
                waiting.set()

        try:
            outcome.append(api.upgrade(config, emit=emit, lock_wait=30))
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=second)
    thread.start()
    assert waiting.wait(10), "the second runner did not wait for the lock"
    assert first.poll() is None, "the first runner was still inside its migration"
    out, err = first.communicate(timeout=30)
    thread.join(30)
    took = time.monotonic() - started

    assert first.returncode == 0, out + err
    (result,) = outcome
    assert isinstance(result, api.RunResult) and result.steps == (), f"the second runner found nothing to do: {result}"
    assert took < 15, f"{took:.1f} s"
    assert project.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'a_v'::regclass") == [(True,)]
    assert project.history() == [(rev_id(1), "applied", 2), (rev_id(2), "applied", 2)]


def test_a_timeout_the_database_lacks_is_refused_before_anything_is_written(sqlite_url, tmp_path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    error = project.cli("upgrade", "--statement-timeout", "5s", expect=1)
    assert "--statement-timeout is not supported on SQLite" in error
    assert project.query("SELECT name FROM sqlite_master") == [], "not even the history table"
    project.cli("upgrade", "--lock-timeout", "2s")  # SQLite's busy timeout
    assert project.tables() == {"a"}


def test_one_sqlite_lock_whatever_path_names_the_database(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "app.db").touch()
    (tmp_path / "app.db").symlink_to(tmp_path / "data" / "app.db")  # as deployments link a database into place
    real, linked = f"sqlite:///{tmp_path / 'data' / 'app.db'}", f"sqlite:///{tmp_path / 'app.db'}"
    project = Project.make(tmp_path / "p", linked)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    with _lock_held(real):
        assert "gave up after 0.2 s" in project.cli("upgrade", "--lock-wait", "200ms", expect=1)
    project.cli("upgrade")
    assert Project(tmp_path / "p", real).tables() == {"a"}

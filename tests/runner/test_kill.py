"""A runner killed with SIGKILL in the middle of a migration leaves no lock behind and a history that says the truth.

A real ``python -m dbshift upgrade`` process is killed (SIGKILL), or
interrupted as by Ctrl-C (SIGINT), while its second
migration is inside a long statement (``pg_sleep(30)`` on PostgreSQL,
``SLEEP(30)`` on MariaDB, a Python step that sleeps on SQLite).  Then:

- the lock is free at once: another runner takes it within a couple of
  seconds, not after the 30 s statement or a lock timeout;
- PostgreSQL and SQLite rolled the migration back: the history names only
  the first migration, and the next ``upgrade`` applies the rest;
- MariaDB, whose DDL committed statement by statement, has a row saying how
  far the run got (``running`` after SIGKILL; ``failed`` after Ctrl-C, which
  dbshift still hears); the server goes on with the client's ``SLEEP(30)``
  either way, so the next run refuses with one line that names that
  connection and how to stop it, and after that ``upgrade --resume``
  finishes without repeating a statement.

Every migration bumps a counter row, so one applied twice would show.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from runner_helpers import Project, backend, rev_id

from dbshift.database import lock
from dbshift.database.connect import create_engine

SLOW_STEP = '''
import time
from pathlib import Path

FLAG = Path({flag!r})


def slow(conn):
    """Sleeps inside the migration while FLAG exists (the "bug" the user later fixes)."""
    if not FLAG.exists():
        return
    FLAG.with_name("inside").touch()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_sleep(30)")
    elif conn.dialect.name in ("mysql", "mariadb"):
        conn.exec_driver_sql("SELECT SLEEP(30)")
    else:
        time.sleep(30)


upgrade = [
    RunSQL("CREATE TABLE t2 (id integer PRIMARY KEY)"),
    RunSQL("UPDATE counter SET n = n + 1"),
    RunSQL("INSERT INTO log VALUES ('m2')"),
    RunPython(slow),
    RunSQL("CREATE TABLE t3 (id integer PRIMARY KEY)"),
]
'''

# what the server shows while the killed runner's statement runs
_SLEEPING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND left(query, 19) = 'SELECT pg_sleep(30)'",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE LEFT(INFO, 16) = 'SELECT SLEEP(30)'",
}


def _project(tmp_path: Path, url: str) -> tuple[Project, Path]:
    project = Project.make(tmp_path / "p", url)
    flag = tmp_path / "flags" / "slow"
    flag.parent.mkdir()
    flag.touch()
    project.add_sql("CREATE TABLE counter (n integer NOT NULL)", "INSERT INTO counter VALUES (0)",
                    "CREATE TABLE log (name varchar(20) NOT NULL)")
    project.add_python(SLOW_STEP.format(flag=str(flag)))
    project.add_sql("CREATE TABLE t4 (id integer PRIMARY KEY)", "UPDATE counter SET n = n + 1",
                    "INSERT INTO log VALUES ('m3')")
    return project, flag


def _wait_until_inside(project: Project, flag: Path, runner) -> None:  # noqa: ANN001 - subprocess.Popen
    deadline = time.monotonic() + 60
    kind = backend(project.url)
    while True:
        assert runner.poll() is None, f"the runner ended early: {runner.communicate()}"
        assert time.monotonic() < deadline, "the runner never reached the slow statement"
        if flag.with_name("inside").exists():
            if kind == "sqlite" or project.query(_SLEEPING[kind]) == [(1,)]:
                break
        time.sleep(0.05)
    time.sleep(0.2)  # well inside the statement


def _seconds_to_take_the_lock(url: str) -> float:
    """How long another runner waits for the run lock (at most 20 s)."""
    engine = create_engine(url)
    started = time.monotonic()
    try:
        with engine.connect() as conn, lock.hold(conn, engine.url, timeout_s=20):
            return time.monotonic() - started
    finally:
        engine.dispose()


def _stop_sleepers(project: Project) -> None:
    """MariaDB keeps running a vanished client's statement: end it so the database can be dropped."""
    if backend(project.url) != "mysql":
        return
    name = sa.engine.make_url(project.url).database
    for (conn_id,) in project.query(
        f"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{name}' AND LEFT(INFO, 12) = 'SELECT SLEEP'"
    ):
        project.execute(f"KILL {int(conn_id)}")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_killed_runner_leaves_no_lock_and_a_consistent_history(db_url, tmp_path, signum):
    project, flag = _project(tmp_path, db_url)
    kind = backend(db_url)
    runner = project.spawn("upgrade")
    try:
        _wait_until_inside(project, flag, runner)
        runner.send_signal(signum)
        _, err = runner.communicate(timeout=30)
        if signum == signal.SIGKILL:
            assert runner.returncode == -signal.SIGKILL
        else:
            assert runner.returncode == 130 and err == "error: interrupted\n", err

        waited = _seconds_to_take_the_lock(db_url)
        assert waited < 3, f"the lock outlived the killed runner by {waited:.1f} s"

        flag.unlink()  # the cause, fixed
        if kind != "mysql":
            assert project.history() == [(rev_id(1), "applied", 3)], "the killed migration was rolled back"
            assert project.tables() == {"counter", "log"}
            started = time.monotonic()
            out = project.cli("upgrade", "--lock-wait", "30")
            assert time.monotonic() - started < 10 and "Waiting" not in out, out
        else:
            status = "running" if signum == signal.SIGKILL else "failed"
            assert project.history() == [(rev_id(1), "applied", 3), (rev_id(2), status, 3)]
            refused = project.cli("upgrade", "--lock-wait", "30", expect=1).strip()
            if signum == signal.SIGKILL:
                assert f"{rev_id(2)} " in refused and "interrupted" in refused and "after statement 3" in refused
            else:
                assert f"{rev_id(2)} " in refused and "at statement 4: interrupted: KeyboardInterrupt; connection " in refused
            match = re.search(r"connection (\d+) is still running 'SELECT SLEEP\(30\)'.*'KILL \1'", refused)
            assert match, refused
            project.execute(f"KILL {match.group(1)}")  # as the message says
            deadline = time.monotonic() + 10
            while "still running" in (out := project.cli("upgrade", "--resume", expect=None)):
                assert time.monotonic() < deadline, out
                time.sleep(0.1)
            assert "resuming after statement 3" in out and "Now at" in out, out
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate()
        _stop_sleepers(project)

    assert project.query("SELECT n FROM counter") == [(2,)], "each migration counted exactly once"
    assert sorted(project.query("SELECT name FROM log")) == [("m2",), ("m3",)]
    assert project.tables() == {"counter", "log", "t2", "t3", "t4"}
    assert [status for _, status, _ in project.history()] == ["applied"] * 3

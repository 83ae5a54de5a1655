"""The server kills the run's session at every point of a migration; the history still tells the truth,
and the next run finishes the job.

A migration of three statements, each touching its own table (add ``t1.x``; index ``t2.v``; add
``t3.x``), runs three ways: on PostgreSQL in one transaction; on PostgreSQL with the index built
``CONCURRENTLY`` (outside a transaction, so the run is tracked statement by statement); on MariaDB,
whose DDL commits by itself.  Another session ends the run's backend (``pg_terminate_backend``,
``KILL``) at one point:

- ``before`` statement k, ``during`` it (it waits for a lock another session holds on its table),
  ``after`` it (before anything else is sent);
- ``write`` k: while the history write that records statement k waits for a lock another session
  holds (MariaDB: ``LOCK TABLES dbshift_history WRITE``; PostgreSQL: a trigger on the history
  table takes an advisory lock the other session holds, as the row may already be locked by the
  run's own transaction);
- ``final``: while the write that records the migration as applied waits in the same way.

The faulted run goes through :func:`dbshift.api.upgrade`; the fault is injected by a sink that
extends the runner's own (``dbshift.runner.DatabaseSink``) and calls the kill around the real
call.  Then the database is the judge: each statement the history records as done is in the
schema, no other is (introspected, an invalid index counting as present); the error names what is
committed; ``upgrade`` (nothing committed) or ``upgrade --resume`` reaches a schema equal to the
models, with every row kept and one applied history row.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

import dbshift.runner
from dbshift import api
from dbshift.config import Config
from dbshift.database import history
from dbshift.database.connect import create_engine
from dbshift.render import Statement
from dbshift.runner import DatabaseSink, MigrationFailed
from dbshift.runner.events import Step

FIRST, SECOND = "20260101000001_a001", "20260101000002_a002"
ROWS = [(1, 10), (2, 20)]
TABLES = ("t1", "t2", "t3")

BASE = f"""-- revision: {FIRST}
-- parents:
-- message: three tables
""" + "".join(
    f"CREATE TABLE {t} (id integer NOT NULL PRIMARY KEY, v integer);\n"
    f"INSERT INTO {t} (id, v) VALUES {', '.join(map(str, ROWS))};\n"
    for t in TABLES
)

CHANGE = f"""from dbshift.migration import *  # noqa: F401,F403

revision = {SECOND!r}
parents = ({FIRST!r},)
message = "x and an index"

upgrade = [
    AddColumn("t1", Column("x", "integer")),
    {{index}},
    AddColumn("t3", Column("x", "integer")),
]
"""
PLAIN_INDEX = 'CreateIndex("t2", Index("ix_t2_v", ("v",)))'
CONCURRENT_INDEX = 'RunSQL("CREATE INDEX CONCURRENTLY ix_t2_v ON t2 (v)")'


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    for name in TABLES:
        columns = [sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("v", sa.Integer)]
        if name != "t2":
            columns.append(sa.Column("x", sa.Integer))
        table = sa.Table(name, metadata, *columns)
        if name == "t2":
            sa.Index("ix_t2_v", table.c.v)
    return metadata


@dataclass(frozen=True)
class Scenario:
    server: str  # the URL fixture
    index: str  # statement 2
    writes: tuple[int, ...]  # statements whose progress is written to the history row on its own

    @property
    def mariadb(self) -> bool:
        return self.server == "mysql_url"


SCENARIOS = {
    "pg": Scenario("pg_url", PLAIN_INDEX, ()),  # one transaction: no progress rows
    "pg-concurrently": Scenario("pg_url", CONCURRENT_INDEX, (1, 2, 3)),
    "mariadb": Scenario("mysql_url", PLAIN_INDEX, (1, 2, 3)),
}


# how each server tells its client that the session was ended
KILLED = ("terminating connection due to administrator command", "Lost connection to MySQL server",
          "Connection was killed", "server has gone away")


def _cases() -> Iterator[tuple[str, str, int]]:
    for name, scenario in SCENARIOS.items():
        for k in (1, 2, 3):
            for point in ("before", "during", "after"):
                yield name, point, k
        for k in scenario.writes:
            yield name, "write", k
        yield name, "final", 0


# --- the other session: locks and kills -------------------------------------------------------------------


class Server:
    """An admin session on the test database, and what it does to the run's session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.mariadb = self.engine.dialect.name in ("mysql", "mariadb")
        self.admin = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        self.admin.close()
        self.engine.dispose()

    def scalar(self, sql: str, *args: object) -> object:
        return self.admin.exec_driver_sql(sql, args or ()).scalar()

    def kill(self, backend: int) -> None:
        """End the session ``backend`` and wait until the server has."""
        if self.mariadb:
            self.admin.exec_driver_sql(f"KILL {int(backend)}")
            gone = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = %s"
        else:
            assert self.scalar("SELECT pg_terminate_backend(%s, 10000)", backend) is True
            gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = %s"
        deadline = time.monotonic() + 10
        while self.scalar(gone, backend):
            assert time.monotonic() < deadline, f"session {backend} outlived its kill"
            time.sleep(0.01)

    def waiting(self, backend: int) -> bool:
        """The session is waiting for a lock another session holds."""
        if self.mariadb:
            state = self.scalar("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = %s", backend)
            return str(state or "").startswith("Waiting for")
        return self.scalar("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", backend) == "Lock"

    def kill_when_waiting(self, backend: int) -> None:
        deadline = time.monotonic() + 20
        while not self.waiting(backend):
            assert time.monotonic() < deadline, f"session {backend} never waited for the lock"
            time.sleep(0.01)
        self.kill(backend)


# PostgreSQL: a history write takes a lock of its own the other session can hold, whatever the run's
# transaction holds already: (1, statements done), or (1, 0) for the row that says the migration is applied
_GATE_SQL = (
    "CREATE FUNCTION kill_matrix_gate() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN PERFORM"
    " pg_advisory_xact_lock_shared(1, CASE WHEN NEW.status = 'applied' THEN 0 ELSE NEW.statements_done END);"
    " RETURN NEW; END$$",
    "CREATE TRIGGER kill_matrix_gate BEFORE INSERT OR UPDATE ON dbshift_history"
    " FOR EACH ROW EXECUTE FUNCTION kill_matrix_gate()",
)
_UNGATE_SQL = ("DROP TRIGGER kill_matrix_gate ON dbshift_history", "DROP FUNCTION kill_matrix_gate()")


@dataclass
class Fault:
    """Where to kill the run's session: ``point`` of statement ``k``."""

    server: Server
    point: str
    k: int
    fired: bool = False

    def matches(self, point: str, k: int) -> bool:
        if self.fired or (point, k) != (self.point, self.k):
            return False
        self.fired = True
        return True


class KillingSink(DatabaseSink):
    """The runner's sink, with the fault around the real calls."""

    fault: Fault  # set by the test before the run

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - as DatabaseSink's
        super().__init__(*args, **kwargs)
        self.executed = 0

    @property
    def backend(self) -> int:
        driver = self.connection.connection.driver_connection
        return int(driver.thread_id() if self.fault.server.mariadb else driver.info.backend_pid)

    def execute(self, statement: Statement) -> None:
        self.executed += 1
        k, fault = self.executed, self.fault
        if fault.matches("before", k):
            fault.server.kill(self.backend)
        if fault.matches("during", k):
            table = TABLES[k - 1]
            hold = f"SELECT * FROM {table}" if fault.server.mariadb else f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE"
            with self._blocked(hold):
                super().execute(statement)
            return
        super().execute(statement)
        if fault.matches("after", k):
            fault.server.kill(self.backend)

    def progress(self, step: Step, done: int, status: str, error: str | None = None, plan: str | None = None) -> None:
        if status == history.RUNNING and self.fault.matches("write", done):
            with self._history_blocked(done):
                super().progress(step, done, status, error, plan)
            return
        super().progress(step, done, status, error, plan)

    def record(self, step: Step, duration_ms: int, statements: int, fresh: bool = False) -> None:
        if self.fault.matches("final", 0):
            with self._history_blocked(0):
                super().record(step, duration_ms, statements, fresh)
            return
        super().record(step, duration_ms, statements, fresh)

    def _history_blocked(self, gate: int) -> contextlib.AbstractContextManager[None]:
        if self.fault.server.mariadb:
            return self._blocked("LOCK TABLES dbshift_history WRITE")
        return self._blocked(f"SELECT pg_advisory_xact_lock(1, {gate})")

    @contextlib.contextmanager
    def _blocked(self, hold: str) -> Iterator[None]:
        """Another session holds a lock (taken by ``hold`` in its transaction) that the call waits for; the
        run's session is killed while it waits, then the lock is let go."""
        server, backend = self.fault.server, self.backend
        blocker = server.engine.connect()
        blocker.exec_driver_sql(hold)
        failures: list[BaseException] = []

        def kill() -> None:
            try:
                server.kill_when_waiting(backend)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                failures.append(exc)
            finally:
                if server.mariadb:
                    blocker.exec_driver_sql("UNLOCK TABLES")
                blocker.rollback()  # the lock let go: a run that was not killed goes on
                blocker.close()

        killer = threading.Thread(target=kill, daemon=True)
        killer.start()
        try:
            yield
        finally:
            killer.join(30)
            assert not failures, failures


# --- judging through the database ----------------------------------------------------------------------------


def _config(root: Path, url: str) -> Config:
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=_models())


def _effects(server: Server) -> list[bool]:
    """Whether each statement's change is in the database (an invalid index left by a killed build counts)."""
    inspector = sa.inspect(server.admin)
    columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in ("t1", "t3")}
    if server.mariadb:
        index = bool(server.scalar(
            "SELECT count(*) FROM information_schema.STATISTICS"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't2' AND INDEX_NAME = 'ix_t2_v'"
        ))
    else:
        index = bool(server.scalar("SELECT count(*) FROM pg_class WHERE relname = 'ix_t2_v' AND relkind = 'i'"))
    return ["x" in columns["t1"], index, "x" in columns["t3"]]


def _history(server: Server) -> dict[str, tuple[str, int | None]]:
    return {
        r.revision: (r.status, r.statements_done)
        for r in history.rows(server.admin)
    }


def _rows(server: Server) -> dict[str, list[tuple]]:
    return {t: [tuple(r) for r in server.admin.exec_driver_sql(f"SELECT id, v FROM {t} ORDER BY id")] for t in TABLES}


@pytest.mark.parametrize(("scenario", "point", "k"), list(_cases()), ids=lambda v: str(v))
def test_a_killed_session_leaves_a_truthful_history_and_the_next_run_finishes(
    request, tmp_path, monkeypatch, scenario, point, k,
):
    setting = SCENARIOS[scenario]
    url = request.getfixturevalue(setting.server)
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    (root / "migrations" / f"{FIRST}_three_tables.sql").write_text(BASE)
    config = _config(root, url)
    api.upgrade(config)
    (root / "migrations" / f"{SECOND}_x_and_an_index.py").write_text(CHANGE.format(index=setting.index))

    server = Server(url)
    try:
        gated = not server.mariadb and point in ("write", "final")
        for sql in _GATE_SQL if gated else ():
            server.admin.exec_driver_sql(sql)
        fault = Fault(server, point, k)
        KillingSink.fault = fault
        monkeypatch.setattr(dbshift.runner, "DatabaseSink", KillingSink)
        with pytest.raises(MigrationFailed) as failed:
            api.upgrade(config)
        monkeypatch.undo()
        assert fault.fired, "the fault was injected"
        for sql in _UNGATE_SQL if gated else ():
            server.admin.exec_driver_sql(sql)

        message = str(failed.value)
        assert any(words in message for words in KILLED), f"the reason is the kill: {message}"
        recorded = _history(server)
        assert recorded[FIRST] == ("applied", 6)
        row = recorded.get(SECOND)
        done = 0 if row is None else row[1] or 0
        assert _effects(server) == [n <= done for n in (1, 2, 3)], (
            f"the history says statements 1-{done} are done ({row}), the database differs; {message}"
        )
        if row is None:
            assert "the database is left at the previous revision" in message, message
        else:
            assert row[0] == "failed", row
            committed = f"statements 1-{done} are committed" if done else "no statement of it is committed"
            assert f"{committed} and dbshift_history records the failure" in message, message
        assert _rows(server) == {t: ROWS for t in TABLES}

        api.upgrade(config, resume=row is not None)
        assert api.check(config).ops == ()
        assert _rows(server) == {t: ROWS for t in TABLES}, "rows kept"
        assert _history(server) == {FIRST: ("applied", 6), SECOND: ("applied", 3)}
    finally:
        server.close()

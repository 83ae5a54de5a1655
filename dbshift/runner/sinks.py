"""Where a run's statements go: a live connection (:class:`DatabaseSink`) or SQL text (:class:`SqlSink`)."""

from __future__ import annotations

import contextlib
import math
import re
from typing import Any, Iterator, Protocol

import sqlalchemy as sa

from ..core import model as m
from ..core import ops as o
from ..database import history, session
from ..render import Guard, Replay, Statement
from ..render.base import SHOWN_ROWS
from ..render.rows import row_statements
from .events import Step
from .failures import CheckFailed, reason


class Sink(Protocol):
    dialect: sa.engine.Dialect
    atomic_ddl: bool  # DDL can be rolled back (PostgreSQL, SQLite)

    def start(self) -> None: ...
    def finish(self) -> None: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def execute(self, statement: Statement) -> None: ...
    def call(self, op: o.Op) -> None: ...
    def record(self, step: Step, duration_ms: int, statements: int, fresh: bool = False) -> None: ...
    def progress(self, step: Step, done: int, status: str, error: str | None = None, plan: str | None = None) -> None: ...
    def forget(self, step: Step) -> None: ...
    def clear_failed_build(self, statement: Statement) -> str | None: ...
    def elsewhere(self) -> contextlib.AbstractContextManager[Sink]: ...
    def schema(self) -> m.Schema | None: ...
    def set_lock_timeout(self, seconds: float) -> object: ...
    def reset_lock_timeout(self, previous: object) -> None: ...
    def lock_not_granted(self, exc: BaseException | None) -> bool: ...


_ATOMIC_DDL = ("postgresql", "sqlite")
_CONCURRENT_INDEX = re.compile(
    r"\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>\"[^\"]+\"|[A-Za-z_][\w$]*)\s+ON\b",
    re.IGNORECASE,
)
_VERBATIM = {"no_parameters": True}  # no placeholder processing: '%' in SQL stays '%'
# the session's synchronous_commit, and whether this role can write the log record that makes a run's commits
# durable at its end (when it cannot, the run's commits wait, each, as the server's setting says)
_SYNCHRONOUS_COMMIT = (
    "SELECT current_setting('synchronous_commit'), coalesce(has_function_privilege("
    "to_regprocedure('pg_catalog.pg_logical_emit_message(boolean,text,text)'), 'EXECUTE'), false)"
)
_SETTLE = "SELECT set_config('synchronous_commit', %(previous)s, false), pg_logical_emit_message(true, 'dbshift', '')"


class DatabaseSink:
    """Runs statements on a live connection; ``run_by`` is written into the history rows.

    SQLite: foreign-key enforcement is off from :meth:`start` to :meth:`finish`,
    whatever the connection had (an application's ``connect`` listener often
    runs ``PRAGMA foreign_keys=ON``, and dbshift's engines run such global
    listeners too).  With it on, the ``DROP`` of a table rebuild deletes the rows
    that reference the table through ``ON DELETE CASCADE`` and nulls those with
    ``SET NULL``.  The pragma only takes effect outside a transaction, so it is
    set before the first migration begins and restored once the last has ended.
    Hand-written data steps run with it off too: there a ``DELETE`` does not
    cascade.  Each rebuild checks, before it commits, that it broke no foreign key.

    PostgreSQL: from :meth:`start` to :meth:`finish` the session's commits do not
    wait for the disk (``synchronous_commit = off``); :meth:`finish` puts the
    session's setting back and commits once more under it, which waits until every
    commit of the run is on disk (and on the standbys the setting names), so the
    run ends durable.  Each migration still commits with its history row in one
    transaction, and the server writes commits to disk in the order they were made,
    so a server that crashes part-way loses at most the last migrations whole, rows
    and schema together: the history keeps matching the database.
    """

    def __init__(
        self, connection: sa.Connection, exclude: frozenset[str] = frozenset(), run_by: str | None = None
    ) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.atomic_ddl = connection.dialect.name in _ATOMIC_DDL
        self.exclude = exclude | {history.TABLE_NAME}
        self.run_by = run_by
        self._restore_foreign_keys = False
        self._synchronous_commit: str | None = None  # PostgreSQL: the session's setting, while the run's is off
        self._history_ready = False  # the history table checked (and completed) since the last rollback

    def start(self) -> None:
        """Before the first migration: on SQLite, foreign-key enforcement off for the run; on PostgreSQL,
        commits that do not wait for the disk (see the class's note)."""
        if self.dialect.name == "postgresql":
            self._commits_unwaited()
        if self.dialect.name != "sqlite":
            return
        self.commit()  # the pragma is ignored inside a transaction
        driver = self._driver()
        row = driver.execute("PRAGMA foreign_keys").fetchone()
        if row and row[0]:
            driver.execute("PRAGMA foreign_keys = OFF")
            self._restore_foreign_keys = True

    def _commits_unwaited(self) -> None:
        """``synchronous_commit = off`` for the session (what it was is kept for :meth:`finish`); committed,
        with whatever was open (a rollback would undo the setting)."""
        self.begin()
        previous, can_settle = self.connection.exec_driver_sql(_SYNCHRONOUS_COMMIT).one()
        if previous != "off" and can_settle:
            self.connection.exec_driver_sql("SET synchronous_commit = off")
            self._synchronous_commit = str(previous)
        self.commit()

    def finish(self) -> None:
        """After the last migration has committed or rolled back: the connection's own settings back, and on
        PostgreSQL every commit of the run on disk (raises when that cannot be made sure of)."""
        if self.connection.closed or self.connection.in_transaction():
            return
        if self._synchronous_commit is not None:
            previous, self._synchronous_commit = self._synchronous_commit, None
            # a transaction that writes to the log (an empty message, which logical decoding shows under the prefix
            # 'dbshift') commits under the session's own setting: it returns once the run's commits, all in the log
            # before it, are on disk (a transaction that writes nothing would not wait)
            self.connection.exec_driver_sql(_SETTLE, {"previous": previous})
            self.connection.commit()
        if self._restore_foreign_keys:
            self._restore_foreign_keys = False
            self._driver().execute("PRAGMA foreign_keys = ON")

    def _driver(self) -> Any:
        """The DB-API connection: SQLAlchemy would begin a transaction before a statement of its own."""
        driver = self.connection.connection.driver_connection
        assert driver is not None, "an open connection has a driver connection"
        return driver

    def begin(self) -> None:
        if not self.connection.in_transaction():
            self.connection.begin()

    def commit(self) -> None:
        if self.connection.in_transaction():
            self.connection.commit()

    def rollback(self) -> None:
        self._history_ready = False  # what made the table may be undone
        if self.connection.in_transaction():
            self.connection.rollback()

    def execute(self, statement: Statement) -> None:
        if isinstance(statement, Guard):
            self.begin()
            self._check(statement)
            return
        if isinstance(statement, Replay):
            self.begin()
            self._replay(statement)
            return
        if statement.transactional:
            self.begin()
            self.connection.exec_driver_sql(statement.sql, execution_options=_VERBATIM)
            return
        self.commit()  # the connection must be idle, not idle in transaction
        if self.dialect.name == "sqlite":
            # the sqlite3 connection runs in autocommit mode (see database/connect.py); SQLAlchemy would emit BEGIN
            self._driver().execute(statement.sql)
            return
        autocommit = self.connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            autocommit.exec_driver_sql(statement.sql, execution_options=_VERBATIM)
        except BaseException:
            # ends the autobegun transaction; unlike a commit, this works on a session the server ended,
            # so the statement's own error is the one reported
            self._history_ready = False
            self.connection.rollback()
            raise
        self.connection.commit()  # ends the autobegun (no-op) transaction so the level can change back
        self.connection.execution_options(isolation_level=self.connection.default_isolation_level)

    def _check(self, guard: Guard) -> None:
        """Run the guard's query; rows coming back fail the step with its message."""
        result = self.connection.exec_driver_sql(guard.sql, execution_options=_VERBATIM)
        rows = [dict(row) for row in result.mappings().fetchmany(SHOWN_ROWS + 1)]
        result.close()
        if not rows:
            return
        count = len(rows)
        if count > SHOWN_ROWS:
            counted = f"SELECT count(*) FROM ({guard.sql})"
            count = int(self.connection.exec_driver_sql(counted, execution_options=_VERBATIM).scalar() or count)
        raise CheckFailed(guard.failure(rows, count))

    def _replay(self, replay: Replay) -> None:
        """Run each statement the replay's query returns; a failure names what the statement was for."""
        rows = self.connection.exec_driver_sql(replay.sql, execution_options=_VERBATIM).fetchall()
        for row in rows:
            if row[0] is None:  # an object the database keeps no SQL text for
                continue
            try:
                self.connection.exec_driver_sql(row[0], execution_options=_VERBATIM)
            except sa.exc.DBAPIError as exc:
                what = row[1] if len(row) > 1 and row[1] else replay.what
                raise CheckFailed(f"{what}: {reason(exc)}") from exc

    def call(self, op: o.Op) -> None:
        self.begin()
        if isinstance(op, o.RunPython):
            op.func(self.connection)
        elif isinstance(op, (o.BulkInsert, o.BulkDelete)):
            for sql in row_statements(op, self.dialect):
                self.connection.exec_driver_sql(sql, execution_options=_VERBATIM)

    def record(self, step: Step, duration_ms: int, statements: int, fresh: bool = False) -> None:
        """The step's history row: written, or replacing the row of its unfinished run.  ``fresh``: this run
        wrote no row for the step, nor found one (inserted without looking; were there one, the insert fails
        on the table's key rather than lose it)."""
        self.begin()
        if not self._history_ready:  # once per run, not once per migration
            history.ensure_table(self.connection)
            self._history_ready = True
        rev = step.revision
        if step.direction == "up":
            history.record(
                self.connection, rev.id, rev.message, step.checksum, duration_ms,
                statements_done=statements, run_by=self.run_by, exists=False if fresh else None,
            )
        else:
            history.forget(self.connection, rev.id)

    def progress(self, step: Step, done: int, status: str, error: str | None = None, plan: str | None = None) -> None:
        self.begin()
        rev = step.revision
        history.progress(
            self.connection, rev.id, rev.message, step.checksum,
            direction=step.direction, statements_done=done, status=status, error=error, run_by=self.run_by, plan=plan,
        )

    def clear_failed_build(self, statement: Statement) -> str | None:
        """Before ``CREATE INDEX CONCURRENTLY name``: drop the INVALID index a failed or interrupted build of
        it left behind (PostgreSQL keeps one), so the build can run again; returns the index dropped, if any.

        Only the run holding the lock calls this, so no other dbshift run is building that index.
        """
        match = _CONCURRENT_INDEX.match(statement.sql)
        if match is None or self.dialect.name != "postgresql":
            return None
        name = match.group("name").strip('"')
        row = self.connection.exec_driver_sql(
            "SELECT n.nspname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = %(name)s AND NOT i.indisvalid AND pg_table_is_visible(i.indrelid)",
            {"name": name},
        ).first()
        self.commit()
        if row is None:
            return None
        qualified = f"{self.dialect.identifier_preparer.quote(row[0])}.{self.dialect.identifier_preparer.quote(name)}"
        self.execute(Statement(f"DROP INDEX CONCURRENTLY IF EXISTS {qualified}", transactional=False))
        return qualified

    def set_lock_timeout(self, seconds: float) -> object:
        """Set the session's lock timeout to ``seconds`` and return what it was (for :meth:`reset_lock_timeout`).

        Outside a transaction (committing what is open), so that a step rolled back keeps it; within the
        run's one transaction when one is open for the whole run."""
        previous = session.read_lock_timeout(self.connection)
        if previous is not None:
            session.write_lock_timeout(self.connection, seconds)
        return previous

    def reset_lock_timeout(self, previous: object) -> None:
        if previous is not None:
            session.write_lock_timeout(self.connection, previous)  # type: ignore[arg-type]

    def lock_not_granted(self, exc: BaseException | None) -> bool:
        return session.lock_not_granted(exc)

    def forget(self, step: Step) -> None:
        """Remove the step's unfinished row: nothing of it is committed."""
        self.begin()
        history.forget(self.connection, step.revision.id)

    @contextlib.contextmanager
    def elsewhere(self) -> Iterator[DatabaseSink]:
        """This sink on a new connection to the same database: to write the history when this one cannot."""
        connection = self.connection.engine.connect()
        try:
            yield DatabaseSink(connection, self.exclude, self.run_by)
        finally:
            connection.close()

    def schema(self) -> m.Schema:
        """The database's schema as this connection sees it now (SQLite's tables from the schema cache when its
        ``sqlite_master`` is one read before, to the byte: :mod:`dbshift.project.schema_cache`)."""
        from ..project.schema_cache import remembered
        from ..sqla.reflect import reflect

        self.begin()
        return reflect(self.connection, exclude=self.exclude, remember=remembered)


class SqlSink:
    """Collects statements as SQL text (offline mode)."""

    def __init__(self, dialect: sa.engine.Dialect, start: m.Schema) -> None:
        self.dialect = dialect
        self.atomic_ddl = dialect.name in _ATOMIC_DDL
        self.lines: list[str] = [history.create_table_sql(dialect) + ";"]
        self._schema = start
        self._wanted = False  # a transaction is wanted; BEGIN is written with its first statement
        self._open = False

    def start(self) -> None:
        if self.dialect.name == "sqlite":  # as DatabaseSink does: a rebuild needs enforcement off
            self.lines.insert(0, "-- foreign-key enforcement off, as table rebuilds need (it cannot change inside a "
                                 "transaction)\nPRAGMA foreign_keys = OFF;")

    def finish(self) -> None:
        pass  # the script's connection ends with the script

    def begin(self) -> None:
        self._wanted = True

    def _write(self, line: str, transactional: bool = True) -> None:
        if transactional and self._wanted and not self._open:
            self.lines.append("BEGIN;")
            self._open = True
        self.lines.append(line)

    def commit(self) -> None:
        if self._open:
            self.lines.append("COMMIT;")
        self._open = self._wanted = False

    def rollback(self) -> None:
        self.commit()

    def execute(self, statement: Statement) -> None:
        if statement.transactional:
            self.begin()
        else:
            self.commit()
        if isinstance(statement, (Guard, Replay)):  # a script cannot run them: their offline form
            for line in statement.offline:
                self._write(line if line.startswith("--") else line.rstrip().rstrip(";") + ";")
            return
        self._write(statement.sql.rstrip().rstrip(";") + ";", statement.transactional)

    def call(self, op: o.Op) -> None:
        if isinstance(op, o.RunPython):
            offline = getattr(op.func, "offline_sql", None)  # a step that can say what it would run (Alembic's)
            if offline is None:
                self._write(f"-- {op.describe()} cannot be shown as SQL; it runs only online", False)
                return
            self.begin()
            for sql in offline(self.dialect):
                self._write(sql if sql.startswith("--") else sql.rstrip().rstrip(";") + ";")
            return
        if not isinstance(op, (o.BulkInsert, o.BulkDelete)):
            raise TypeError(f"not a data step: {op.describe()}")
        self.begin()
        for sql in row_statements(op, self.dialect):
            self._write(f"{sql};")

    def record(self, step: Step, duration_ms: int, statements: int, fresh: bool = False) -> None:
        self.begin()
        if step.direction == "up":
            sql = history.record_sql(self.dialect, step.revision.id, step.revision.message, step.checksum)
        else:
            sql = history.forget_sql(self.dialect, step.revision.id)
        self._write(sql + ";")

    def progress(self, step: Step, done: int, status: str, error: str | None = None, plan: str | None = None) -> None:
        pass  # offline output has no progress rows: a failed script is resumed by hand

    def forget(self, step: Step) -> None:
        pass

    def clear_failed_build(self, statement: Statement) -> str | None:
        return None

    def set_lock_timeout(self, seconds: float) -> object:
        """The script sets the lock timeout for the migration's statements (it cannot retry)."""
        if self.dialect.name == "postgresql":
            self._write(f"SET lock_timeout = '{max(1, round(seconds * 1000))}ms';", False)
            return "postgresql"
        if self.dialect.name in ("mysql", "mariadb"):
            whole = max(1, math.ceil(seconds))
            self._write(f"SET SESSION lock_wait_timeout = {whole}, innodb_lock_wait_timeout = {whole};", False)
            return "mysql"
        return None

    def reset_lock_timeout(self, previous: object) -> None:
        if previous == "postgresql":
            self._write("RESET lock_timeout;", False)
        elif previous == "mysql":
            self._write("SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT;", False)

    def lock_not_granted(self, exc: BaseException | None) -> bool:
        return False

    @contextlib.contextmanager
    def elsewhere(self) -> Iterator[SqlSink]:
        yield self

    def schema(self) -> m.Schema:
        return self._schema

    @property
    def sql(self) -> str:
        return "\n\n".join(self.lines) + "\n"


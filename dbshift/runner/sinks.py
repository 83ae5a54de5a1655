"""Where a run's statements go: a live connection (:class:`DatabaseSink`) or SQL text (:class:`SqlSink`)."""

from __future__ import annotations

import contextlib
import re
from typing import Iterator, Protocol

import sqlalchemy as sa

from ..core import model as m
from ..core import ops as o
from ..database import history
from ..render import Statement
from ..render.rows import row_statements
from .events import Step

class Sink(Protocol):
    dialect: sa.engine.Dialect
    atomic_ddl: bool  # DDL can be rolled back (PostgreSQL, SQLite)

    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def execute(self, statement: Statement) -> None: ...
    def call(self, op: o.Op) -> None: ...
    def record(self, step: Step, duration_ms: int, statements: int) -> None: ...
    def progress(self, step: Step, done: int, status: str, error: str | None = None, plan: str | None = None) -> None: ...
    def forget(self, step: Step) -> None: ...
    def clear_failed_build(self, statement: Statement) -> str | None: ...
    def elsewhere(self) -> contextlib.AbstractContextManager[Sink]: ...
    def schema(self) -> m.Schema | None: ...


_ATOMIC_DDL = ("postgresql", "sqlite")
_CONCURRENT_INDEX = re.compile(
    r"\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>\"[^\"]+\"|[A-Za-z_][\w$]*)\s+ON\b",
    re.IGNORECASE,
)
_VERBATIM = {"no_parameters": True}  # no placeholder processing: '%' in SQL stays '%'


class DatabaseSink:
    """Runs statements on a live connection; ``run_by`` is written into the history rows."""

    def __init__(
        self, connection: sa.Connection, exclude: frozenset[str] = frozenset(), run_by: str | None = None
    ) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.atomic_ddl = connection.dialect.name in _ATOMIC_DDL
        self.exclude = exclude | {history.TABLE_NAME}
        self.run_by = run_by

    def begin(self) -> None:
        if not self.connection.in_transaction():
            self.connection.begin()

    def commit(self) -> None:
        if self.connection.in_transaction():
            self.connection.commit()

    def rollback(self) -> None:
        if self.connection.in_transaction():
            self.connection.rollback()

    def execute(self, statement: Statement) -> None:
        if statement.transactional:
            self.begin()
            self.connection.exec_driver_sql(statement.sql, execution_options=_VERBATIM)
            return
        self.commit()  # the connection must be idle, not idle in transaction
        if self.dialect.name == "sqlite":
            # the sqlite3 connection runs in autocommit mode (see database/connect.py); SQLAlchemy would emit BEGIN
            driver = self.connection.connection.driver_connection
            assert driver is not None, "an open connection has a driver connection"
            driver.execute(statement.sql)
            return
        autocommit = self.connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            autocommit.exec_driver_sql(statement.sql, execution_options=_VERBATIM)
        finally:
            self.connection.commit()  # ends the autobegun (no-op) transaction so the level can change back
            self.connection.execution_options(isolation_level=self.connection.default_isolation_level)

    def call(self, op: o.Op) -> None:
        self.begin()
        if isinstance(op, o.RunPython):
            op.func(self.connection)
        elif isinstance(op, (o.BulkInsert, o.BulkDelete)):
            for sql in row_statements(op, self.dialect):
                self.connection.exec_driver_sql(sql, execution_options=_VERBATIM)

    def record(self, step: Step, duration_ms: int, statements: int) -> None:
        self.begin()
        history.ensure_table(self.connection)
        rev = step.revision
        if step.direction == "up":
            history.record(
                self.connection, rev.id, rev.message, step.checksum, duration_ms,
                statements_done=statements, run_by=self.run_by,
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
        from ..sqla.reflect import reflect

        self.begin()
        return reflect(self.connection, exclude=self.exclude)


class SqlSink:
    """Collects statements as SQL text (offline mode)."""

    def __init__(self, dialect: sa.engine.Dialect, start: m.Schema) -> None:
        self.dialect = dialect
        self.atomic_ddl = dialect.name in _ATOMIC_DDL
        self.lines: list[str] = [history.create_table_sql(dialect) + ";"]
        self._schema = start
        self._wanted = False  # a transaction is wanted; BEGIN is written with its first statement
        self._open = False

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
        self._write(statement.sql.rstrip().rstrip(";") + ";", statement.transactional)

    def call(self, op: o.Op) -> None:
        if isinstance(op, o.RunPython):
            self._write(f"-- {op.describe()} cannot be shown as SQL; it runs only online", False)
            return
        if not isinstance(op, (o.BulkInsert, o.BulkDelete)):
            raise TypeError(f"not a data step: {op.describe()}")
        self.begin()
        for sql in row_statements(op, self.dialect):
            self._write(f"{sql};")

    def record(self, step: Step, duration_ms: int, statements: int) -> None:
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

    @contextlib.contextmanager
    def elsewhere(self) -> Iterator[SqlSink]:
        yield self

    def schema(self) -> m.Schema:
        return self._schema

    @property
    def sql(self) -> str:
        return "\n\n".join(self.lines) + "\n"


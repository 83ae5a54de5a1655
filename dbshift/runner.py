"""Executing a plan of migrations, reporting typed events.

The runner never prints: it calls ``emit(event)`` and the caller decides what
to show.  Offline mode (``--sql``) is the same loop with a sink that collects
SQL instead of executing it.

Transactions
    On PostgreSQL and SQLite each migration runs in one transaction together
    with its history row, so a failing migration leaves the database at the
    previous revision.  ``single_transaction`` runs the whole plan in one.

Statements that cannot be atomic
    A statement that must run outside a transaction (``Statement.transactional
    = False``: ``CREATE INDEX CONCURRENTLY``, ``ALTER TYPE … ADD VALUE``), and
    every statement on MySQL/MariaDB, whose DDL commits implicitly, turns the
    migration into a *tracked* one: its history row is written with status
    ``running`` and ``statements_done`` is advanced as statements commit.  On
    MySQL each statement commits with its progress update; on PostgreSQL the
    transactional statements between two non-transactional ones commit
    together with theirs.  When a statement fails, the row becomes ``failed``
    with the statement number and the error; the run can then be resumed at
    that statement (``resume={revision: statements_done}``).  If the process
    dies, the row stays ``running`` — the next run reports it as interrupted.
    Statements are numbered from 1 in execution order across the migration's
    operations; a ``RunPython``, ``BulkInsert`` or ``BulkDelete`` counts as one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping, Protocol

import sqlalchemy as sa

from . import history
from .core import model as m
from .core import ops as o
from .core.errors import DbshiftError
from .core.graph import Revision
from .core.sqltext import needs_no_transaction, split_sql
from .dialects import Statement, render, renderer_for

Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Step:
    """One migration to apply (``up``) or un-apply (``down``), with the operations to run."""

    revision: Revision
    direction: Direction
    ops: tuple[o.Op, ...]
    checksum: str


# --- events -------------------------------------------------------------------


@dataclass(frozen=True)
class LockWaiting:
    """Another runner holds the lock; this one waits up to ``timeout_s``."""

    holder: str | None
    timeout_s: float


@dataclass(frozen=True)
class LockAcquired:
    waited_ms: int


@dataclass(frozen=True)
class Notice:
    """Something worth telling that is not an error (the history table was upgraded, …)."""

    text: str


@dataclass(frozen=True)
class StepStarted:
    step: Step
    index: int
    total: int
    resume_from: int = 0  # statements already done by an earlier, failed run


@dataclass(frozen=True)
class StatementExecuted:
    step: Step
    sql: str
    number: int = 0
    transactional: bool = True


@dataclass(frozen=True)
class StatementSkipped:
    """A statement an earlier run already committed (``--resume``)."""

    step: Step
    sql: str
    number: int


@dataclass(frozen=True)
class StepFinished:
    step: Step
    index: int
    total: int
    duration_ms: int
    statements: int = 0


@dataclass(frozen=True)
class StepFailed:
    step: Step
    index: int
    total: int
    error: "MigrationFailed"


@dataclass(frozen=True)
class RunFinished:
    steps: int
    duration_ms: int


Event = (
    LockWaiting | LockAcquired | Notice | StepStarted | StatementExecuted | StatementSkipped
    | StepFinished | StepFailed | RunFinished
)

Outcome = Literal["rolled_back", "partial", "single"]


class MigrationFailed(DbshiftError):
    """A migration failed at statement ``number``; ``outcome`` says what is left.

    ``rolled_back``: nothing of the migration remains.  ``single``: the whole
    run was rolled back.  ``partial``: statements ``1..committed`` are
    committed and the history row says so (status ``failed``).
    """

    def __init__(
        self,
        step: Step,
        op: o.Op,
        statement: str | None,
        reason: str,
        *,
        number: int = 0,
        committed: int = 0,
        outcome: Outcome = "rolled_back",
    ) -> None:
        self.step, self.op, self.statement, self.reason = step, op, statement, reason
        self.number, self.committed, self.outcome = number, committed, outcome
        rev = step.revision.id
        where = step.revision.path or rev
        verb = "upgrade" if step.direction == "up" else "downgrade"
        if outcome == "partial":
            done = f"statements 1-{committed} are committed" if committed else "no statement of it is committed"
            tail = (
                f"; {done} and {history.TABLE_NAME} records the failure: fix the cause, then "
                f"'dbshift {verb} --resume' continues at statement {committed + 1}, or repair by hand and run "
                f"'dbshift resolve {rev} --applied' (or --rolled-back)"
            )
        elif outcome == "single":
            tail = "; the whole run was rolled back (single transaction)"
        elif step.direction == "up":
            tail = "; the database is left at the previous revision"
        else:
            tail = "; its changes were rolled back and the migration is still applied"
        super().__init__(f"{verb} of {rev} ({where}) failed at {self.where()}: {reason}{tail}")

    def where(self) -> str:
        """``statement 3 ('CREATE INDEX …')``, or the operation when no SQL was produced."""
        shown = _excerpt(self.statement) if self.statement else repr(self.op.describe())
        return f"statement {self.number} ({shown})" if self.number else shown

    def record(self) -> str:
        """What the history row's ``error`` column keeps."""
        return f"{self.where()}: {self.reason}"


class _StatementFailed(Exception):
    def __init__(self, op: o.Op, statement: str | None, reason: str, number: int) -> None:
        self.op, self.statement, self.reason, self.number = op, statement, reason, number


def _excerpt(sql: str, limit: int = 80) -> str:
    flat = " ".join(sql.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


# --- sinks: where statements go --------------------------------------------------


class Sink(Protocol):
    dialect: sa.engine.Dialect
    atomic_ddl: bool  # DDL can be rolled back (PostgreSQL, SQLite)

    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def execute(self, statement: Statement) -> None: ...
    def call(self, op: o.Op) -> None: ...
    def record(self, step: Step, duration_ms: int, statements: int) -> None: ...
    def progress(self, step: Step, done: int, status: str, error: str | None = None) -> None: ...
    def schema(self) -> m.Schema | None: ...


_ATOMIC_DDL = ("postgresql", "sqlite")
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
            # the sqlite3 connection runs in autocommit mode (see db.py); SQLAlchemy would emit BEGIN
            self.connection.connection.driver_connection.execute(statement.sql)
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
            for statement, params in _row_statements(op):
                self.connection.execute(statement, params)

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

    def progress(self, step: Step, done: int, status: str, error: str | None = None) -> None:
        self.begin()
        rev = step.revision
        history.progress(
            self.connection, rev.id, rev.message, step.checksum,
            direction=step.direction, statements_done=done, status=status, error=error, run_by=self.run_by,
        )

    def schema(self) -> m.Schema:
        from .sqla.reflect import reflect

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
        self.begin()
        for statement, params in _row_statements(op):
            compiled = statement.values(**params) if isinstance(op, o.BulkInsert) else statement.params(**params)
            text = compiled.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
            self._write(f"{text};")

    def record(self, step: Step, duration_ms: int, statements: int) -> None:
        self.begin()
        if step.direction == "up":
            sql = history.record_sql(self.dialect, step.revision.id, step.revision.message, step.checksum)
        else:
            sql = history.forget_sql(self.dialect, step.revision.id)
        self._write(sql + ";")

    def progress(self, step: Step, done: int, status: str, error: str | None = None) -> None:
        pass  # offline output has no progress rows: a failed script is resumed by hand

    def schema(self) -> m.Schema:
        return self._schema

    @property
    def sql(self) -> str:
        return "\n\n".join(self.lines) + "\n"


def _row_statements(op: o.Op) -> list[tuple[Any, dict]]:
    rows = op.rows  # type: ignore[attr-defined]
    result = []
    for row in rows:
        table = sa.table(op.table, *(sa.column(k) for k in row), schema=op.schema)  # type: ignore[attr-defined]
        if isinstance(op, o.BulkInsert):
            result.append((table.insert(), dict(row)))
        else:
            condition = sa.and_(*(table.c[k] == sa.bindparam(k) for k in row))
            result.append((table.delete().where(condition), dict(row)))
    return result


# --- the loop -------------------------------------------------------------------


_OPAQUE = (o.RunSQL, o.RunPython, o.BulkInsert, o.BulkDelete)
_CALLS = (o.RunPython, o.BulkInsert, o.BulkDelete)


@dataclass
class _Progress:
    """Where a step stands: statements seen, committed, and whether its history row tracks it."""

    step: Step
    skip: int = 0  # statements an earlier run already committed
    tracked: bool = False
    number: int = 0  # statements seen so far (executed or skipped)
    committed: int = 0  # statements known to be committed


@dataclass
class Runner:
    """Runs steps through a sink; ``emit`` receives every event.

    ``single_transaction``: the whole run in one transaction (PostgreSQL,
    SQLite).  ``resume``: for a revision whose earlier run failed part-way,
    how many of its statements that run committed; they are skipped.
    """

    sink: Sink
    emit: Callable[[Event], None] = lambda event: None
    single_transaction: bool = False
    resume: Mapping[str, int] = field(default_factory=dict)
    _schema: m.Schema | None = field(default=None, init=False)

    def run(self, steps: list[Step] | tuple[Step, ...]) -> None:
        started = time.perf_counter()
        total = len(steps)
        try:
            for index, step in enumerate(steps, 1):
                self._run_step(step, index, total)
            if self.single_transaction:
                self.sink.commit()
        except BaseException:
            if self.single_transaction:
                self.sink.rollback()
            raise
        self.emit(RunFinished(total, _ms(started)))

    def _run_step(self, step: Step, index: int, total: int) -> None:
        sink = self.sink
        skip = self.resume.get(step.revision.id, 0)
        state = _Progress(step, skip=skip, tracked=bool(skip) or not sink.atomic_ddl, committed=skip)
        self.emit(StepStarted(step, index, total, skip))
        t0 = time.perf_counter()
        try:
            if state.tracked and not self.single_transaction:
                sink.progress(step, state.committed, history.RUNNING)
                sink.commit()
            sink.begin()
            for op in step.ops:
                self._run_op(state, op)
            sink.record(step, _ms(t0), state.number)
            if not self.single_transaction:
                sink.commit()
        except _StatementFailed as failed:
            failure = self._failed(state, failed)
            self.emit(StepFailed(step, index, total, failure))
            raise failure from failed.__cause__
        except BaseException as exc:  # KeyboardInterrupt, a lost connection while recording…
            self._abandon(state, f"interrupted: {_reason(exc)}")
            raise
        self.emit(StepFinished(step, index, total, _ms(t0), state.number))

    def _failed(self, state: _Progress, failed: _StatementFailed) -> MigrationFailed:
        sink = self.sink
        sink.rollback()
        self._schema = None
        if self.single_transaction:
            outcome: Outcome = "single"
        elif state.tracked:
            outcome = "partial"
        else:
            outcome = "rolled_back"
        failure = MigrationFailed(
            state.step, failed.op, failed.statement, failed.reason,
            number=failed.number, committed=state.committed, outcome=outcome,
        )
        if outcome == "partial":
            try:
                sink.progress(state.step, state.committed, history.FAILED, failure.record())
                sink.commit()
            except Exception:  # noqa: BLE001 - connection lost: the row keeps saying 'running'
                pass
        return failure

    def _abandon(self, state: _Progress, why: str) -> None:
        """Best effort after an unexpected exception: roll back, and mark a tracked step failed."""
        try:
            self.sink.rollback()
            if state.tracked and not self.single_transaction:
                self.sink.progress(state.step, state.committed, history.FAILED, f"statement {state.committed + 1}: {why}")
                self.sink.commit()
        except Exception:  # noqa: BLE001 - the connection may be gone; the row then says 'running'
            pass

    # --- one operation ------------------------------------------------------------

    def _run_op(self, state: _Progress, op: o.Op) -> None:
        sql: str | None = None
        executing = False
        try:
            if isinstance(op, _CALLS):
                sql = op.describe()
                state.number += 1
                if state.number <= state.skip:
                    self.emit(StatementSkipped(state.step, sql, state.number))
                else:
                    executing = True
                    self.sink.begin()
                    self.sink.call(op)
                    self._after_statement(state)
                    executing = False
                    self.emit(StatementExecuted(state.step, sql, state.number))
            else:
                for statement in self._render(op):
                    sql = statement.sql
                    state.number += 1
                    if state.number <= state.skip:
                        self.emit(StatementSkipped(state.step, sql, state.number))
                        continue
                    executing = True
                    self._execute(state, statement)
                    executing = False
                    self.emit(StatementExecuted(state.step, sql, state.number, statement.transactional))
                sql = None
            self._advance(op)
        except _StatementFailed:
            raise
        except Exception as exc:  # a database error, or a hand-written step that raised
            number = state.number if executing else state.number + 1
            raise _StatementFailed(op, sql if executing else None, _reason(exc), number) from exc

    def _execute(self, state: _Progress, statement: Statement) -> None:
        sink = self.sink
        if not statement.transactional and sink.atomic_ddl:
            if self.single_transaction:
                raise NotInTransaction()
            if not state.tracked:  # from here on the step is tracked in its history row
                state.tracked = True
                sink.progress(state.step, state.number - 1, history.RUNNING)
            sink.commit()
            state.committed = state.number - 1
            sink.execute(statement)
            sink.progress(state.step, state.number, history.RUNNING)
            sink.commit()
            state.committed = state.number
            return
        sink.begin()
        sink.execute(statement)
        self._after_statement(state)

    def _after_statement(self, state: _Progress) -> None:
        if not state.tracked:
            return
        self.sink.progress(state.step, state.number, history.RUNNING)
        if not self.sink.atomic_ddl:  # MySQL: each statement commits with its progress
            self.sink.commit()
            state.committed = state.number

    def _render(self, op: o.Op) -> list[Statement]:
        dialect = self.sink.dialect.name
        if isinstance(op, o.RunSQL):
            try:
                renderer_for(dialect)
            except ValueError:  # no renderer for this dialect yet: hand-written SQL still runs
                return [Statement(s, transactional=not needs_no_transaction(s)) for s in split_sql(op.sql)]
            return render(op, dialect, self._schema if self._schema is not None else m.Schema())
        return render(op, dialect, self._current_schema())

    def _current_schema(self) -> m.Schema:
        if self._schema is None:
            self._schema = self.sink.schema() or m.Schema()
        return self._schema

    def _advance(self, op: o.Op) -> None:
        if isinstance(op, _OPAQUE):
            self._schema = None if isinstance(self.sink, DatabaseSink) else self._schema
            return
        if self._schema is not None:
            try:
                self._schema = op.apply(self._schema)
            except (KeyError, ValueError):
                self._schema = None


class NotInTransaction(Exception):
    def __str__(self) -> str:
        return "this statement cannot run inside a transaction, and the run is one transaction (--single-transaction)"


# --- previews: the plan without running it ---------------------------------------------


@dataclass(frozen=True)
class StepPreview:
    """What a step would run: its statements (SQL, or a description for Python steps) and risks."""

    step: Step
    statements: tuple[str, ...]
    risks: tuple[str, ...]
    problem: str | None = None  # the statements could not all be rendered


def preview(steps: list[Step] | tuple[Step, ...], dialect: sa.engine.Dialect, schema: m.Schema) -> tuple[StepPreview, ...]:
    """Render ``steps`` offline from ``schema`` (the database's, as it is now) without running anything."""
    per_step: dict[str, list[str]] = {s.revision.id: [] for s in steps}

    def collect(event: Event) -> None:
        if isinstance(event, StatementExecuted):
            per_step[event.step.revision.id].append(event.sql)

    problem: dict[str, str] = {}
    try:
        Runner(SqlSink(dialect, schema), collect).run(steps)
    except MigrationFailed as exc:
        problem[exc.step.revision.id] = f"cannot render {exc.where()}: {exc.reason}"
    except DbshiftError as exc:
        problem[steps[0].revision.id if steps else ""] = str(exc)
    return tuple(
        StepPreview(
            s,
            tuple(per_step[s.revision.id]),
            tuple(op.risk for op in s.ops if op.risk),
            problem.get(s.revision.id),
        )
        for s in steps
    )


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    if not text:  # KeyboardInterrupt, a bare exception class
        return type(orig).__name__
    line = text.splitlines()[0]
    if isinstance(exc, (sa.exc.DBAPIError, NotInTransaction)):
        return line
    return f"{type(orig).__name__}: {line}"

"""Executing a plan of migrations, reporting typed events.

The runner never prints: it calls ``emit(event)`` and the caller decides what
to show.  Offline mode (``--sql``) is the same loop with a sink that collects
SQL instead of executing it.

Transactions
    On PostgreSQL and SQLite each migration runs in one transaction together
    with its history row, so a failing migration leaves the database at the
    previous revision.  ``single_transaction`` runs the whole plan in one.

Checks
    A renderer may return a :class:`~dbshift.render.base.Guard` (a query that
    must return no rows) or a :class:`~dbshift.render.base.Replay` (a query
    returning statements to run), executed by the sink inside the migration's
    transaction like any statement: a guard that finds rows fails the step with
    its one-line message, and the step is rolled back.  SQLite table rebuilds
    check with them that no row was lost (:mod:`dbshift.render.sqlite`).

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
from typing import Callable, Mapping

from ..core import model as m
from ..core import ops as o
from ..core.sqltext import needs_no_transaction, split_sql
from ..database import history
from ..render import Statement, render, renderer_for
from .events import (
    Event, RunFinished, StatementExecuted, StatementSkipped, Step, StepFailed, StepFinished, StepStarted,
)
from .failures import MigrationFailed, NotInTransaction, Outcome, StatementFailed, reason
from .sinks import DatabaseSink, Sink

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
        self.sink.start()
        try:
            for index, step in enumerate(steps, 1):
                self._run_step(step, index, total)
            if self.single_transaction:
                self.sink.commit()
        except BaseException:
            if self.single_transaction:
                self.sink.rollback()
            raise
        finally:
            self._finish()
        self.emit(RunFinished(total, _ms(started)))

    def _finish(self) -> None:
        """The sink's session settings back; a failure to restore them never hides the run's own outcome."""
        try:
            self.sink.finish()
        except Exception:  # noqa: BLE001 - best effort: the connection may be gone, and it is closed after the run
            pass

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
        except StatementFailed as failed:
            failure = self._failed(state, failed)
            self.emit(StepFailed(step, index, total, failure))
            raise failure from failed.__cause__
        except BaseException as exc:  # KeyboardInterrupt, a lost connection while recording…
            self._abandon(state, f"interrupted: {reason(exc)}")
            raise
        self.emit(StepFinished(step, index, total, _ms(t0), state.number))

    def _failed(self, state: _Progress, failed: StatementFailed) -> MigrationFailed:
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
                    sql = statement.label
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
        except StatementFailed:
            raise
        except Exception as exc:  # a database error, or a hand-written step that raised
            number = state.number if executing else state.number + 1
            raise StatementFailed(op, sql if executing else None, reason(exc), number) from exc

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



def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)

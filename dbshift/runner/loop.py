"""Executing a plan of migrations, reporting typed events.

The runner never prints: it calls ``emit(event)`` and the caller decides what
to show.  Offline mode (``--sql``) is the same loop with a sink that collects
SQL instead of executing it.

Transactions
    On PostgreSQL and SQLite each migration runs in one transaction together
    with its history row, so a failing migration leaves the database at the
    previous revision.  ``single_transaction`` runs the whole plan in one.

Names the database chose
    A constraint the models leave unnamed is dropped by the name the database
    gave it: the schema a statement is rendered against comes from reflection,
    which keeps that name (``server_name``).  When this run made such a
    constraint, the database is read again before dropping one.  Offline, the
    renderer uses the database's default name and says so in a comment.

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

Lock timeout and retries
    A step whose migration declares ``lock_timeout`` runs with the session's
    lock timeout set to it (PostgreSQL ``lock_timeout``; MySQL/MariaDB
    ``lock_wait_timeout`` and ``innodb_lock_wait_timeout``, whole seconds),
    set outside a transaction and put back once the step has ended, however it
    ended.  A statement waiting for a lock blocks every query queued behind it;
    with the timeout it gives up instead.  When a statement fails because its
    lock was not granted in time, the step is retried up to ``lock_retries``
    times after a short, doubling wait, with a :class:`Notice` each time: what
    is not committed is rolled back, and the next attempt starts at the first
    statement not committed (the whole step when nothing was; a tracked step
    replays what the failed attempt planned).  After the last retry it fails as
    any statement does.  A run that is one transaction (``single_transaction``)
    sets the timeout but cannot retry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, cast

from ..core import model as m
from ..core import ops as o
from ..core.effects import present
from ..core.sqltext import commits_implicitly, needs_no_transaction, split_sql
from ..database import history
from ..render import Statement, render, renderer_for
from ..sqla.dialect import server_dialect, server_version
from .events import (
    Event, Notice, RunFinished, StatementExecuted, StatementSkipped, Step, StepFailed, StepFinished, StepStarted,
)
from .failures import (
    MigrationFailed, NotInTransaction, Outcome, PlanNoLongerFits, RunNotSettled, StatementFailed, reason,
)
from .plan import Plan, Resume, encode
from .sinks import DatabaseSink, Sink

_OPAQUE = (o.RunSQL, o.RunPython, o.BulkInsert, o.BulkDelete)
# operations after which the database may hold names the schema model cannot know (an unnamed constraint,
# the index InnoDB makes for a foreign key)
_NAMING = (o.CreateTable, o.AddConstraint, o.CreateIndex, o.DropIndex)
_CALLS = (o.RunPython, o.BulkInsert, o.BulkDelete)
RETRY_BACKOFF_S = 0.1
"""Wait before the first retry of a step whose lock was not granted; doubled for each further one."""
RETRY_BACKOFF_MAX_S = 2.0


@dataclass
class _Progress:
    """Where a step stands: statements seen, committed, and whether its history row tracks it."""

    step: Step
    skip: int = 0  # statements an earlier run already committed
    tracked: bool = False
    number: int = 0  # statements seen so far (executed or skipped)
    committed: int = 0  # statements known to be committed
    planned: Plan | None = None  # what the earlier run planned, per operation: replayed, never rendered again
    plan: list[tuple[Statement, ...]] = field(default_factory=list)  # this run's, per operation started
    plan_written: int = -1  # how many operations the plan in the history row covers

    def plan_to_write(self) -> str | None:
        """The plan as the history row should hold it, when it grew since it was last written."""
        if len(self.plan) <= self.plan_written:  # a retried step replays what was written
            return None
        self.plan_written = len(self.plan)
        return encode(tuple(self.plan))


@dataclass
class Runner:
    """Runs steps through a sink; ``emit`` receives every event.

    ``single_transaction``: the whole run in one transaction (PostgreSQL,
    SQLite).  ``resume``: for a revision whose earlier run failed part-way,
    how many of its statements that run committed (they are skipped) and the
    statements it planned (the rest of a started operation is replayed from
    them, not rendered again against a database that may have changed).
    ``before_statement`` is called before each statement runs and raises to
    stop the run there (the run lock was lost).
    """

    sink: Sink
    emit: Callable[[Event], None] = lambda event: None
    single_transaction: bool = False
    resume: Mapping[str, Resume] = field(default_factory=dict)
    before_statement: Callable[[], None] = lambda: None  # raises to stop the run (the run lock was lost)
    _schema: m.Schema | None = field(default=None, init=False)
    _names_known: bool = field(default=False, init=False)  # the schema holds every name the database chose

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
            self._finish()
            raise
        try:
            self.sink.finish()  # the run's commits made durable before it is told done
        except Exception as exc:
            raise RunNotSettled(reason(exc)) from exc
        self.emit(RunFinished(total, _ms(started)))

    def _finish(self) -> None:
        """After a failure: the sink's session settings back; a failure to restore them never hides the run's
        own outcome."""
        try:
            self.sink.finish()
        except Exception:  # noqa: BLE001 - best effort: the connection may be gone, and it is closed after the run
            pass

    def _run_step(self, step: Step, index: int, total: int) -> None:
        sink = self.sink
        resume = self.resume.get(step.revision.id)
        skip = resume.done if resume else 0
        state = _Progress(step, skip=skip, tracked=resume is not None or not sink.atomic_ddl, committed=skip,
                          planned=resume.plan if resume else None)
        self.emit(StepStarted(step, index, total, skip))
        if state.skip and state.planned is not None:
            self._check_resume(state)
        t0 = time.perf_counter()
        previous = self._set_lock_timeout(step)
        try:
            attempt = 0
            while True:
                try:
                    self._attempt(state)
                    break
                except StatementFailed as failed:
                    if not self._retries(state, failed, attempt):
                        raise
                    attempt += 1
                    state = self._again(state, failed, attempt)
            self._record_done(state, t0)
        except StatementFailed as failed:
            failure = self._failed(state, failed)
            self.emit(StepFailed(step, index, total, failure))
            raise failure from failed.__cause__
        except BaseException as exc:  # KeyboardInterrupt, a lost connection while recording…
            self._abandon(state, f"interrupted: {reason(exc)}")
            raise
        finally:
            self._reset_lock_timeout(previous)
        self.emit(StepFinished(step, index, total, _ms(t0), state.number))

    def _attempt(self, state: _Progress) -> None:
        """Run the step's operations (those an earlier attempt or run committed are skipped)."""
        if state.tracked and not self.single_transaction:
            self.sink.progress(state.step, state.committed, history.RUNNING)
            self.sink.commit()
        self.sink.begin()
        for number, op in enumerate(state.step.ops):
            self._run_op(state, op, number)

    # --- lock_timeout and retries -------------------------------------------------------

    def _set_lock_timeout(self, step: Step) -> object:
        """The step's ``lock_timeout`` set on the session, outside a transaction unless the run is one; what the
        session had before, to put back (None: nothing was changed)."""
        if step.lock_timeout is None:
            return None
        if not self.single_transaction:
            self.sink.commit()
        previous = self.sink.set_lock_timeout(step.lock_timeout)
        if not self.single_transaction:
            self.sink.commit()
        return previous

    def _reset_lock_timeout(self, previous: object) -> None:
        """Best effort: the session's lock timeout as it was before the step."""
        if previous is None:
            return
        try:
            if not self.single_transaction:
                self.sink.rollback()  # a failed step's transaction is over already; a finished one committed
            self.sink.reset_lock_timeout(previous)
            if not self.single_transaction:
                self.sink.commit()
        except Exception:  # noqa: BLE001 - the connection may be gone; it is closed after the run
            pass

    def _retries(self, state: _Progress, failed: StatementFailed, attempt: int) -> bool:
        """Whether the failure is a lock not granted in time that the step may retry (``lock_retries``): not
        in a run that is one transaction, which cannot be rolled back to the step's start."""
        step = state.step
        return (
            step.lock_timeout is not None and attempt < step.lock_retries and not self.single_transaction
            and not failed.recording and failed.statement is not None and self.sink.lock_not_granted(failed.__cause__)
        )

    def _again(self, state: _Progress, failed: StatementFailed, attempt: int) -> _Progress:
        """After a lock not granted: roll back what is not committed, tell, wait a little, and return where the
        next attempt starts: at the first statement not committed, replaying what this attempt planned."""
        step = state.step
        self.sink.rollback()
        self._schema = None
        if failed.statement and needs_no_transaction(failed.statement):
            self._clear_failed_build(failed.statement)
        self.emit(Notice(
            f"lock not granted within {_duration(step.lock_timeout)} on {_short(failed.statement)}; "
            f"retry {attempt} of {step.lock_retries}"
        ))
        time.sleep(min(RETRY_BACKOFF_S * 2 ** (attempt - 1), RETRY_BACKOFF_MAX_S))
        if not state.committed:  # nothing of this attempt stayed: the next renders again, as the first did
            return _Progress(step, skip=state.skip, tracked=state.tracked, committed=state.committed,
                             planned=state.planned, plan_written=state.plan_written)
        return _Progress(step, skip=state.committed, tracked=state.tracked, committed=state.committed,
                         planned=tuple(state.plan), plan_written=state.plan_written)

    def _record_done(self, state: _Progress, started: float) -> None:
        """Write the row that says the step is done (and commit it, unless the run is one transaction);
        a failure here is a recording failure: what the step committed is told, not lost."""
        try:
            # no row to replace: none when the run began (no resume), none written since (not tracked)
            fresh = not state.tracked and state.step.revision.id not in self.resume
            self.sink.record(state.step, _ms(started), state.number, fresh=fresh)
            if not self.single_transaction:
                self.sink.commit()
        except Exception as exc:
            raise StatementFailed(None, None, reason(exc), state.number, final=True) from exc

    def _check_resume(self, state: _Progress) -> None:
        """Before resuming: the database must still fit the plan, and an operation that took effect before
        its history write was lost is not run again.

        Refuses (:class:`PlanNoLongerFits`) when the last operation recorded as done is not in the
        database; skips the next operation when it is a single statement whose effect is already there.
        """
        assert state.planned is not None
        ops, plan = state.step.ops, state.planned
        ends = [sum(len(p) for p in plan[: i + 1]) for i in range(len(plan))]
        schema: m.Schema | None = None
        last = max((i for i, end in enumerate(ends) if end <= state.skip), default=None)
        if last is not None and last < len(ops):
            schema = self.sink.schema() or m.Schema()
            if present(ops[last], schema) is False:
                raise PlanNoLongerFits(state.step, ends[last], ops[last].describe())
        following = (last + 1) if last is not None else 0
        starts_next = (ends[last] if last is not None else 0) == state.skip
        if following < len(ops) and starts_next and following < len(plan) and len(plan[following]) == 1:
            schema = schema or self.sink.schema() or m.Schema()
            if present(ops[following], schema):
                state.skip += 1
                state.committed = state.skip
                self.emit(Notice(
                    f"statement {state.skip} ({ops[following].describe()}) had taken effect before the history "
                    "could record it: it is not run again"
                ))
        self.sink.rollback()

    def _failed(self, state: _Progress, failed: StatementFailed) -> MigrationFailed:
        """Roll back what is not committed and make the history say what is: the failure and how far
        the step got, or no row at all when nothing of the step is committed (a plain rerun then goes on)."""
        sink = self.sink
        sink.rollback()
        self._schema = None
        if failed.statement and not failed.recording and needs_no_transaction(failed.statement):
            self._clear_failed_build(failed.statement)
        if self.single_transaction:
            outcome: Outcome = "single"
        elif state.tracked and (state.committed or failed.recording):
            outcome = "partial"
        else:
            outcome = "rolled_back"
        assert failed.op is not None or failed.final, "the operation is known once the failure leaves it"
        failure = MigrationFailed(
            state.step, failed.op, failed.statement, failed.reason, number=failed.number,
            committed=state.committed, outcome=outcome, recording=failed.recording, final=failed.final,
        )
        if state.tracked and not self.single_transaction:
            failure.settle(self._record_failure(state, failure, outcome))
        return failure

    def _clear_failed_build(self, sql: str) -> None:
        """Best effort: drop what a failed statement outside a transaction left half-built (an invalid index)."""
        try:
            dropped = self.sink.clear_failed_build(Statement(sql, transactional=False))
        except Exception:  # noqa: BLE001 - the next run drops it before building again
            return
        if dropped is not None:
            self.emit(Notice(f"dropped {dropped}, the invalid index the failed build left behind"))

    def _record_failure(self, state: _Progress, failure: MigrationFailed, outcome: Outcome) -> bool:
        """Write the step's row as the failure left it, on the run's connection or else on a new one;
        False when neither could (the row then says what the last successful write said)."""
        def write(sink: Sink) -> None:
            if outcome == "partial":
                sink.progress(state.step, state.committed, history.FAILED, failure.record())
            else:
                sink.forget(state.step)
            sink.commit()

        try:
            write(self.sink)
            return True
        except Exception:  # noqa: BLE001 - the run's connection may be gone or refused the write
            pass
        try:
            with self.sink.elsewhere() as other:
                write(other)
            return True
        except Exception:  # noqa: BLE001 - the server is unreachable: the message says the row is stale
            return False

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

    def _planned(self, state: _Progress, op: o.Op, position: int) -> tuple[Statement, ...]:
        """The statements of the step's operation at ``position``: as the earlier run planned them, else rendered
        now (a data step counts as one statement, its description)."""
        if state.planned is not None and position < len(state.planned):
            statements = state.planned[position]
        elif isinstance(op, _CALLS):
            statements = (Statement(op.describe()),)
        else:
            statements = tuple(self._render(op))
        state.plan.append(statements)
        return statements

    def _run_op(self, state: _Progress, op: o.Op, position: int) -> None:
        sql: str | None = None
        executing = False
        try:
            statements = self._planned(state, op, position)
            if isinstance(op, _CALLS):
                sql = op.describe()
                if state.number + 1 <= state.skip:
                    state.number += 1
                    self.emit(StatementSkipped(state.step, sql, state.number))
                else:
                    self.before_statement()
                    state.number += 1
                    executing = True
                    self.sink.begin()
                    self.sink.call(op)
                    self._after_statement(state, durable=False)
                    executing = False
                    self.emit(StatementExecuted(state.step, sql, state.number))
            else:
                for statement in statements:
                    sql = statement.label
                    if state.number + 1 <= state.skip:
                        state.number += 1
                        self.emit(StatementSkipped(state.step, sql, state.number))
                        continue
                    self.before_statement()
                    state.number += 1
                    executing = True
                    self._execute(state, statement)
                    executing = False
                    self.emit(StatementExecuted(state.step, sql, state.number, statement.transactional))
                sql = None
            self._advance(op)
        except StatementFailed as failed:
            if failed.recording:
                failed.op, failed.statement = op, sql
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
            dropped = sink.clear_failed_build(statement)
            if dropped is not None:
                self.emit(Notice(f"dropped {dropped}, an invalid index a failed build left behind, to build it again"))
            sink.execute(statement)
            state.committed = state.number  # it ran outside a transaction: it is committed
            self._recorded(state, commit=True)
            return
        sink.begin()
        sink.execute(statement)
        self._after_statement(state, durable=not sink.atomic_ddl and commits_implicitly(statement.sql))

    def _after_statement(self, state: _Progress, *, durable: bool) -> None:
        """Record the statement just run in the step's history row (tracked steps only).

        ``durable``: the statement committed by itself (MySQL DDL), so it counts as
        committed even if recording it fails.
        """
        if not state.tracked:
            return
        if durable:
            state.committed = state.number
        self._recorded(state, commit=not self.sink.atomic_ddl)  # MySQL: each statement commits with its progress

    def _recorded(self, state: _Progress, *, commit: bool) -> None:
        """Write the step's progress (and commit it); a failure here is a recording failure, not the statement's."""
        try:
            self.sink.progress(state.step, state.number, history.RUNNING, plan=state.plan_to_write())
            if commit:
                self.sink.commit()
                state.committed = state.number
        except Exception as exc:
            raise StatementFailed(None, None, reason(exc), state.number, recording=True) from exc

    def _render(self, op: o.Op) -> list[Statement]:
        dialect = server_dialect(self.sink.dialect)
        if isinstance(op, o.RunSQL):
            try:
                renderer_for(dialect)
            except ValueError:  # no renderer for this dialect yet: hand-written SQL still runs
                return [Statement(s, transactional=not needs_no_transaction(s)) for s in split_sql(op.sql)]
            return render(op, dialect, self._schema if self._schema is not None else m.Schema())
        if not self._names_known and _needs_database_names(op, dialect) and isinstance(self.sink, DatabaseSink):
            self._schema = None  # read again: the constraint may have been made in this run, named by the database
        return render(op, dialect, self._current_schema(), server_version(self.sink.dialect))

    def _current_schema(self) -> m.Schema:
        if self._schema is None:
            database = isinstance(self.sink, DatabaseSink)
            read = lambda: self.sink.schema() or m.Schema()  # noqa: E731
            self._schema = cast(m.Schema, _ReadWhenConsulted(read)) if database else read()
            self._names_known = database
        return self._schema

    def _advance(self, op: o.Op) -> None:
        if isinstance(op, _OPAQUE):
            self._schema = None if isinstance(self.sink, DatabaseSink) else self._schema
            return
        schema = self._schema
        if isinstance(schema, _ReadWhenConsulted):
            if schema.found is None:
                return  # not read yet: read later, it has this operation's effect, names included
            schema = schema.found
        if schema is not None:
            try:
                self._schema = op.apply(schema)
            except (KeyError, ValueError):
                self._schema = None
            if isinstance(op, _NAMING):
                self._names_known = False


class _ReadWhenConsulted:
    """The database's schema, read from it the first time a renderer consults it: an operation whose SQL needs
    nothing of it (a plain CREATE TABLE, a CREATE INDEX, a DROP…) reads no catalog (on a 1,000-table PostgreSQL
    database a read costs about 0.2 s).  Read between two operations, it holds what the earlier ones did."""

    def __init__(self, read: Callable[[], m.Schema]) -> None:
        self._read = read
        self.found: m.Schema | None = None

    def __getattr__(self, name: str) -> Any:
        if self.found is None:
            self.found = self._read()
        return getattr(self.found, name)


def _needs_database_names(op: o.Op, dialect: str) -> bool:
    """Whether rendering ``op`` needs a name only the database knows: the one it gave an unnamed constraint
    that is dropped, or (MySQL) the index InnoDB made for a foreign key that is dropped.  SQLite drops a
    constraint by rebuilding its table, by no name."""
    if not isinstance(op, o.DropConstraint) or dialect == "sqlite":
        return False
    return not op.constraint.name or (isinstance(op.constraint, m.ForeignKey) and dialect in ("mysql", "mariadb"))


def _duration(seconds: float | None) -> str:
    """``2s``, ``0.5s``: a lock timeout as a message shows it."""
    return f"{seconds:g}s" if seconds is not None else "the lock timeout"


def _short(sql: str | None) -> str:
    """A statement on one line, cut to a length a message can hold."""
    text = " ".join((sql or "").split())
    return text if len(text) <= 80 else text[:77] + "..."


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)

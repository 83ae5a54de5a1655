"""Upgrading and downgrading: against the database (:func:`upgrade`, :func:`downgrade`), or as SQL
text for someone else to run (:func:`upgrade_sql`, :func:`downgrade_sql`)."""

from __future__ import annotations

import re
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..core import ops as o
from ..core.errors import DbshiftError, TargetReached, command
from ..core.graph import RevisionGraph
from ..core.findings import Finding
from ..core.model import Schema
from ..database import history
from ..database.history import HistoryRow
from ..project import files
from ..project.config import Config

from ..runner.plan import Resume, decode as decode_plan
from ..runner.events import Direction, Event, LockAcquired, LockWaiting, Notice, Step, StepPreview
from .adoption import refuse_unadopted
from .context import (
    accepted, applied_ids, connection, current_of, edited, ensure_history_table, load_graph, path_of, read_rows,
    record_checksums,
)
from .errors import (
    Cancelled, ChecksumMismatch, DatabaseAtUnknownRevision, NoDowngrade, ResumeNotInPlan, SingleTransactionUnsupported,
    UnacknowledgedFinding, UnfinishedMigration,
)
from .options import RunOptions
from .run_results import RunResult, SqlScript

if TYPE_CHECKING:
    import sqlalchemy as sa

Confirm = Callable[[tuple[StepPreview, ...]], bool]


def upgrade(
    config: Config, target: str = "head", options: RunOptions | None = None, *,
    emit: Callable[[Event], None] | None = None, confirm: Confirm | None = None, **option_values: Any,
) -> RunResult:
    """Apply migrations up to ``target`` (``head``, ``heads``, a revision, ``+N``).

    ``options`` (or the same fields as keywords, e.g. ``dry_run=True``,
    ``lock_wait="2min"``): see :class:`RunOptions`.  ``emit(event)`` receives
    the runner's events.  ``confirm(plan)`` is called with the plan while the
    lock is held; returning False cancels (``Cancelled``) with nothing changed.
    """
    return _migrate(config, "up", target, _options(options, option_values), emit, confirm)


def downgrade(
    config: Config, target: str = "-1", options: RunOptions | None = None, *,
    emit: Callable[[Event], None] | None = None, confirm: Confirm | None = None, **option_values: Any,
) -> RunResult:
    """Un-apply migrations down to ``target`` (``base``, a revision, ``-N``); the rest as for :func:`upgrade`."""
    return _migrate(config, "down", target, _options(options, option_values), emit, confirm)


def upgrade_sql(config: Config, target: str = "head") -> SqlScript:
    """The SQL of an upgrade, without a database: ``target`` is ``END`` or ``START:END`` (start: base)."""
    return _script(config, "up", target)


def downgrade_sql(config: Config, target: str) -> SqlScript:
    """The SQL of a downgrade, without a database: ``target`` is ``START:END``."""
    return _script(config, "down", target)


def _options(options: RunOptions | None, values: dict[str, Any]) -> RunOptions:
    return (options or RunOptions()).merged(**values)


# --- against the database ------------------------------------------------------------


def _migrate(
    config: Config, direction: Direction, target: str, options: RunOptions,
    emit: Callable[[Event], None] | None, confirm: Confirm | None,
) -> RunResult:
    """Lock, read the history, check it against the files, plan, confirm, run.  See :mod:`dbshift.database.lock`."""
    from ..database import lock
    from ..database.session import backend_id, prepare_session, set_timeouts
    from ..runner import DatabaseSink, Runner

    graph = load_graph(config)
    emit = emit or (lambda event: None)
    with connection(config, write=not options.dry_run) as conn:
        dialect = conn.dialect.name
        if options.single_transaction and dialect not in ("postgresql", "sqlite"):
            raise SingleTransactionUnsupported(dialect)
        if options.dry_run:  # reads only: no lock, no history-table upgrade
            rows = read_rows(conn)
            steps, resume_at = _prepare(conn, graph, rows, direction, target, options)
            found = _findings(conn, config, steps, resume_at)
            return RunResult(direction, tuple(steps), current_of(graph, applied_ids(rows)),
                             _preview(conn, config, steps, found), dry_run=True)
        prepare_session(conn)
        set_timeouts(  # before the lock: an unsupported timeout is refused before anything is written
            conn,
            lock_timeout_ms=None if options.lock_timeout is None else int(options.lock_timeout * 1000),
            statement_timeout_ms=None if options.statement_timeout is None else int(options.statement_timeout * 1000),
        )
        run_by = f"{lock.whoami()}" + (f", connection {b}" if (b := backend_id(conn)) is not None else "")
        waited: list[float] = []

        def on_wait(holder: str | None) -> None:
            waited.append(time.monotonic())
            emit(LockWaiting(holder, options.lock_wait))

        with lock.hold(conn, conn.engine.url, options.lock_wait, on_wait) as held:
            if waited:
                emit(LockAcquired(int((time.monotonic() - waited[0]) * 1000)))
            rows = read_rows(conn)
            steps, resume_at = _prepare(conn, graph, rows, direction, target, options)
            if resume_at:
                (rev_id, where), = resume_at.items()
                emit(Notice(f"resuming {rev_id} at statement {where.done + 1}"))
            found = _findings(conn, config, steps, resume_at)
            _refuse_unacknowledged(steps, found)
            if confirm is not None and steps and not confirm(_preview(conn, config, steps, found)):
                raise Cancelled()
            # writes only after the confirmation: a cancelled run changes nothing, not even the history table
            added = ensure_history_table(conn)
            history.require_writable(conn)
            if added:
                emit(Notice(f"upgraded {history.TABLE_NAME}: added column(s) {', '.join(added)}"))
            if options.accept_checksums:
                record_checksums(conn, rows, accepted(graph, rows, options.accept_checksums))
            sink = DatabaseSink(conn, config.exclude_tables, run_by)
            runner = Runner(sink, emit, single_transaction=options.single_transaction, resume=resume_at,
                            before_statement=held.check)
            runner.run(steps)
            applied_after = _after(applied_ids(rows) | set(resume_at if direction == "down" else ()), steps)
            return RunResult(direction, tuple(steps), graph.current(applied_after), resumed=next(iter(resume_at), None))


def _prepare(
    conn: sa.Connection, graph: RevisionGraph, rows: list[HistoryRow], direction: Direction, target: str,
    options: RunOptions,
) -> tuple[list[Step], dict[str, Resume]]:
    """Check the history against the files and plan; returns the steps and, for the unfinished migration
    to resume, where it stopped."""
    for row in rows:
        if row.revision not in graph:
            raise DatabaseAtUnknownRevision(row.revision)
    refuse_unadopted(conn, rows)  # a database Alembic migrated: replaying its history over it would fail
    if options.accept_checksums:
        rows = accepted(graph, rows, options.accept_checksums)
    changed = edited(graph, rows)
    if changed:
        row, path, actual = changed[0]
        raise ChecksumMismatch(row.revision, path, row.checksum, actual, len(changed) - 1)
    applied = applied_ids(rows)
    resume_at: dict[str, Resume] = {}
    unfinished = [r for r in rows if not r.applied]
    if unfinished:
        row = unfinished[0]
        where = path_of(graph, row.revision)
        running = _still_running(conn, row)
        if not options.resume:
            raise UnfinishedMigration(row, where, running)
        if row.direction != direction:
            raise UnfinishedMigration(row, where, running, wrong_direction=True)
        if running:
            raise UnfinishedMigration(row, where, running)
        if row.direction == "down":
            applied.add(row.revision)  # still applied until its downgrade completes
        # a file edited since the run failed (its fix) is taken as it is now; else the failed run's plan is replayed
        unchanged = where is not None and files.file_checksum(Path(where)) == row.checksum
        resume_at[row.revision] = Resume(row.statements_done or 0, decode_plan(row.plan) if unchanged else None)
    steps = _plan(graph, direction, applied, target, conn.dialect)
    if resume_at and next(iter(resume_at)) not in {s.revision.id for s in steps}:
        raise ResumeNotInPlan(next(iter(resume_at)), direction, target)
    return steps, resume_at


def _still_running(conn: sa.Connection, row: HistoryRow) -> tuple[int, str] | None:
    """For an unfinished MySQL run: its connection and the statement it is still running.

    The server goes on with the statement of a client that was killed or
    interrupted (Ctrl-C), whether the row says ``running`` or ``failed``.
    """
    from ..database.session import statement_running

    match = re.search(r"connection (\d+)", row.run_by or "")
    if not match:
        return None
    sql = statement_running(conn, int(match.group(1)))
    return (int(match.group(1)), sql) if sql is not None else None


def _preview(
    conn: sa.Connection, config: Config, steps: list[Step], found: Mapping[str, Sequence[Finding]]
) -> tuple[StepPreview, ...]:
    from ..runner.preview import preview  # the function: the package attribute may be the module
    from .schemas import database_schema_for

    try:
        start = database_schema_for(conn, config)
    except DbshiftError:
        conn.rollback()
        start = Schema()
    return preview(steps, conn.dialect, start, found)


def _findings(
    conn: sa.Connection, config: Config, steps: list[Step], resume_at: Mapping[str, Resume]
) -> dict[str, list[Finding]]:
    """Lint's findings for the upgrade steps, judged on the database's rows (none for a step being resumed:
    the database is part-way through it)."""
    from .linting import data_findings

    plan = [(s.revision.id, s.ops) for s in steps if s.direction == "up" and s.revision.id not in resume_at]
    return data_findings(conn, plan, config.large_table_rows) if plan else {}


def _refuse_unacknowledged(steps: list[Step], found: Mapping[str, Sequence[Finding]]) -> None:
    """Refuse the run, before anything changes, when a step would lose rows or fail on them (as the database
    shows) and its file does not acknowledge that with a reason."""
    from .linting import unacknowledged

    for step in steps:
        if not any(f.confirmed for f in found.get(step.revision.id, ())):
            continue
        migration = files.load(step.revision)  # the file's acknowledgements, read only when a finding needs them
        refused = unacknowledged(found[step.revision.id], migration.reasons)
        if refused:
            first = refused[0]
            raise UnacknowledgedFinding(step.revision.id, step.revision.path, first.code, first.message,
                                        len(refused) - 1, first.code in migration.lint_ignore)


def _after(applied: set[str], steps: list[Step]) -> set[str]:
    result = set(applied)
    for s in steps:
        (result.add if s.direction == "up" else result.discard)(s.revision.id)
    return result


def _plan(
    graph: RevisionGraph, direction: Direction, applied: set[str], target: str, dialect: sa.engine.Dialect
) -> list[Step]:
    ids = graph.upgrade_plan(applied, target) if direction == "up" else graph.downgrade_plan(applied, target)
    return [_step(graph, rev_id, direction, dialect) for rev_id in ids]


def _step(graph: RevisionGraph, rev_id: str, direction: Direction, dialect: sa.engine.Dialect) -> Step:
    """One migration to run, loaded and bound to ``dialect``; ``NoDowngrade`` when it cannot be un-applied."""
    rev = graph.get(rev_id)
    migration = files.load(rev, dialect)
    if direction == "up":
        return Step(rev, direction, tuple(migration.upgrade), migration.checksum, *migration.lock)
    try:
        ops = migration.downgrade_ops()
    except o.IrreversibleOperation as exc:
        raise NoDowngrade(rev_id, rev.path, exc.op.describe(), migration.kind) from None
    return Step(rev, direction, tuple(ops), migration.checksum, *migration.lock)


# --- as SQL text ----------------------------------------------------------------------


def _script(config: Config, direction: Direction, target: str) -> SqlScript:
    """Offline mode: ``start:end`` targets; the start defaults to base for upgrades."""
    from ..database.connect import normalize_url
    from ..runner import Runner, SqlSink
    from ..sqla.dialect import dialect_for

    from ..core.ranges import offline_start

    graph = load_graph(config)
    start, _, end = target.rpartition(":")
    if direction == "down" and not start:
        raise TargetReached(target, f"offline downgrades need a starting revision: {command('downgrade START:END --sql')}")
    applied = offline_start(graph, start) if start else set()
    dialect = dialect_for(normalize_url(config.url).get_backend_name())
    steps = _plan(graph, direction, applied, end, dialect)
    state = Schema()
    for rev_id in graph.topological():
        if rev_id in applied:
            state = o.apply_all(state, files.load(graph.get(rev_id), dialect).upgrade)
    sink = SqlSink(dialect, state)
    Runner(sink).run(steps)
    return SqlScript(direction, tuple(steps), sink.sql, graph.current(_after(applied, steps)))

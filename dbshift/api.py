"""The Python API: one function per command.  Each takes a :class:`~dbshift.config.Config`
and returns a result value; none prints, and none touches the application's logging.

    from dbshift import api
    from dbshift.config import load_config

    config = load_config()
    api.upgrade(config)                 # apply everything pending
    api.status(config).up_to_date       # is the database at the version the code needs?
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from . import history, scripts
from .config import Config
from .core import ops as o
from .core.errors import DbshiftError, MultipleHeads, TargetReached, join_heads_hint
from .core.graph import Revision, RevisionGraph, plan_rebase
from .core.lint import CODES, Finding, lint as run_lint
from .core.model import Schema
from .core.ranges import in_range
from .core.safety import make_safe, safe_downgrade
from .core.unmodelled import Dependant, Difference
from .core.renames import Ask, PossibleRename, RenameHints, RenamePolicy
from .errors import (  # noqa: F401 - raised here; importable from dbshift.api as before
    NotAtHead,
    NoModels,
    EmptyModels,
    NothingToMerge,
    AlreadyInitialized,
    ModelsNotFoundForInit,
    DatabaseAtUnknownRevision,
    ChecksumMismatch,
    UnfinishedMigration,
    ResumeNotInPlan,
    NothingToResolve,
    NotApplied,
    SingleTransactionUnsupported,
    Cancelled,
    MigrationsMissing,
    RebaseApplied,
    RebaseUnchecked,
    UnknownLintCode,
)
from .lock import DEFAULT_WAIT_S
from .runner import Event, Step, StepPreview

if TYPE_CHECKING:
    import sqlalchemy as sa

# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    pyproject: Path
    migrations: Path
    metadata: str


@dataclass(frozen=True)
class RevisionResult:
    revision: Revision | None
    path: Path | None
    ops: tuple[o.Op, ...]
    possible_renames: tuple[PossibleRename, ...] = ()
    dependants: tuple[Dependant, ...] = ()  # views, triggers… that ops drop or change under


@dataclass(frozen=True)
class RunResult:
    direction: str
    steps: tuple[Step, ...]
    sql: str | None = None
    current: tuple[str, ...] = ()
    plan: tuple[StepPreview, ...] = ()  # the statements each step runs (dry runs and confirmations)
    dry_run: bool = False
    resumed: str | None = None  # the revision whose unfinished run this one resumed


@dataclass(frozen=True)
class HistoryEntry:
    revision: Revision
    applied: bool
    current: bool
    head: bool


@dataclass(frozen=True)
class Status:
    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: tuple[str, ...]
    unfinished: tuple[history.HistoryRow, ...] = ()  # failed or interrupted runs to resume or resolve
    edited: tuple[str, ...] = ()  # applied revisions whose file changed since

    @property
    def up_to_date(self) -> bool:
        return not self.pending and not self.unfinished


@dataclass(frozen=True)
class ShowResult:
    revision: Revision
    applied: bool | None
    upgrade: tuple[o.Op, ...]
    downgrade: tuple[o.Op, ...] | None
    source: str


@dataclass(frozen=True)
class StampResult:
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class ResolveResult:
    revision: str
    status: str  # what the row said: failed or running
    direction: str  # the run that did not finish: up or down
    outcome: str  # applied | rolled-back


@dataclass(frozen=True)
class AcceptResult:
    revision: str
    path: str | None
    old: str
    new: str


@dataclass(frozen=True)
class CheckResult:
    """``ops``: what the database (at head) still needs to match the models; ``problems``: what is
    wrong with the history itself (forked, not at head, edited or unfinished migrations)."""

    ops: tuple[o.Op, ...]
    problems: tuple[str, ...] = ()
    dependants: tuple[Dependant, ...] = ()  # views, triggers… that ``ops`` would drop or change under

    @property
    def ok(self) -> bool:
        return not self.ops and not self.problems


# --- shared plumbing ---------------------------------------------------------------------


def load_graph(config: Config) -> RevisionGraph:
    """The revision graph of the migrations directory, from file headers only."""
    if not config.migrations.is_dir():
        raise MigrationsMissing(config.migrations)
    return RevisionGraph.build(scripts.scan(config.migrations))


@contextlib.contextmanager
def connection(config: Config) -> Iterator["sa.Connection"]:
    """A connection to the configured database (asking for a password if the server wants one)."""
    from .db import connect, create_engine

    engine = create_engine(config.url)
    try:
        conn = connect(engine, config.url)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        engine.dispose()


def _current(graph: RevisionGraph, applied: Iterable[str]) -> tuple[str, ...]:
    """Where the database is; ``DatabaseAtUnknownRevision`` for an applied id no file defines."""
    applied = list(applied)
    for rev_id in applied:
        if rev_id not in graph:
            raise DatabaseAtUnknownRevision(rev_id)
    return graph.current(applied)


def _applied(conn, graph: RevisionGraph) -> tuple[list[history.HistoryRow], tuple[str, ...]]:  # noqa: ANN001
    """The applied rows (not the unfinished ones) and the revisions the database is at."""
    rows = history.applied(conn)
    conn.rollback()
    return rows, _current(graph, [r.revision for r in rows])





def _metadata(config: Config):  # noqa: ANN202
    if config.metadata_object is not None:
        return config.metadata_object
    if not config.metadata:
        raise NoModels()
    from .models import load_metadata

    return load_metadata(config.metadata, config.root)


def _model_schema(config: Config, dialect: str) -> Schema:
    from .sqla.from_metadata import from_metadata

    return from_metadata(_metadata(config), dialect, exclude=config.exclude_tables | {history.TABLE_NAME})


def _reflect(conn, config: Config, model: Schema | None = None) -> Schema:  # noqa: ANN001
    """The database's schema: the default schema plus every schema the models use.

    What models cannot express is left out: options of a serial column's own sequence, CLUSTER marks.
    """
    from .sqla.reflect import reflect

    schemas = [None] + list(model.schemas if model else ())
    schema = reflect(conn, schemas=schemas, exclude=config.exclude_tables | {history.TABLE_NAME})
    conn.rollback()
    return Schema.of(
        (replace(t, cluster_on=None) for t in schema.tables), schema.enums,
        (s for s in schema.sequences if s.owned_by is None), schema.schemas,
    )


def _dependants(conn, config: Config, model: Schema, ops: tuple[o.Op, ...]) -> tuple[Dependant, ...]:  # noqa: ANN001
    """The database's views, triggers… (which models cannot express) that ``ops`` drop or change under."""
    if not ops:
        return ()
    from .core.unmodelled import dependants
    from .sqla.reflect.unmodelled import unmodelled

    schemas = [None] + list(model.schemas)
    found = unmodelled(conn, schemas=schemas, exclude=config.exclude_tables | {history.TABLE_NAME})
    conn.rollback()
    return dependants(ops, found)


def _differences(model: Schema, database: Schema, dialect: str, policy: RenamePolicy | None = None) -> tuple[o.Op, ...]:
    from .core.diff import NoRenames, diff
    from .core.order import order
    from .sqla.normalize import equivalence_for

    return tuple(order(diff(database, model, equivalence_for(dialect), policy or NoRenames())))


def _rename_policy(config: Config, dialect: str, hints: Iterable[str], ask: Ask | None) -> RenamePolicy:
    from .sqla.from_metadata import rename_hints
    from .sqla.normalize import equivalence_for

    eq = equivalence_for(dialect)
    declared = rename_hints(_metadata(config))
    return RenamePolicy(declared.merged(RenameHints.parse(hints)), ask, lambda a, b: eq.type(a) == eq.type(b))


# --- commands -----------------------------------------------------------------------------


def revision(
    config: Config,
    message: str,
    *,
    autogenerate: bool = False,
    renames: Iterable[str] = (),
    ask: Ask | None = None,
) -> RevisionResult:
    """Write a new migration; with ``autogenerate``, its operations come from models vs. database.

    ``renames`` are hints such as ``"author.name:full_name"``; ``ask`` is called for
    each vanished object that a new compatible one might be the rename of.  Possible
    renames nobody confirmed are returned in ``possible_renames``.
    """
    graph = load_graph(config)
    heads = graph.heads()
    if len(heads) > 1:
        raise MultipleHeads(list(heads))
    ops: tuple[o.Op, ...] = ()
    possible: tuple[PossibleRename, ...] = ()
    dependants: tuple[Dependant, ...] = ()
    if autogenerate:
        from .sqla.from_metadata import backfill_values

        with connection(config) as conn:
            _, current = _applied(conn, graph)
            if set(current) != set(heads):
                raise NotAtHead(current, heads)
            model = _model_schema(config, conn.dialect.name)
            database = _reflect(conn, config, model)
            if not model.tables and database.tables:
                raise EmptyModels([t.key for t in database.tables])
            policy = _rename_policy(config, conn.dialect.name, renames, ask)
            ops = _differences(model, database, conn.dialect.name, policy)
            possible = tuple(policy.unresolved)
            hints = {p.new: p.hint for p in possible if p.kind == "column"}
            ops = tuple(make_safe(ops, backfill_values(_metadata(config), conn.dialect.name), hints))
            dependants = _dependants(conn, config, model, ops)
        if not ops:
            return RevisionResult(None, None, ())
    now = datetime.now(timezone.utc)
    rev_id = scripts.new_revision_id(now, set(graph.revisions))
    path = scripts.write_migration(
        config.migrations, rev_id, tuple(heads), message, list(ops), downgrade_ops=safe_downgrade(ops), now=now
    )
    return RevisionResult(Revision(rev_id, tuple(heads), message, str(path)), path, ops, possible, dependants)


def merge(config: Config, message: str = "merge", revisions: tuple[str, ...] = ()) -> RevisionResult:
    """Write an empty migration whose parents are the given revisions (default: all heads)."""
    graph = load_graph(config)
    parents = tuple(graph.resolve(r) for r in revisions) if revisions else graph.heads()
    if len(parents) < 2:
        raise NothingToMerge(parents)
    now = datetime.now(timezone.utc)
    rev_id = scripts.new_revision_id(now, set(graph.revisions))
    path = scripts.write_migration(config.migrations, rev_id, parents, message, [], now=now)
    return RevisionResult(Revision(rev_id, parents, message, str(path)), path, ())


@dataclass(frozen=True)
class RebaseResult:
    revision: str
    onto: str
    moved: tuple[str, ...]  # the revisions whose history changed, in their new order
    paths: tuple[Path, ...]  # the files rewritten
    heads: tuple[str, ...]  # after
    checked: bool  # the database was read and has none of ``moved``


def rebase(config: Config, rev: str, onto: str | None = None, *, check_database: bool = True) -> RebaseResult:
    """Put ``rev``'s branch on top of ``onto`` (default: the other of two heads) by rewriting
    the parents its first migration declares; ids and everything else stay.

    Refuses when any moved revision is recorded in the database; when the database
    cannot be read, refuses too unless ``check_database`` is false.
    """
    from .db import DatabaseUnreachable, PasswordRequired

    graph = load_graph(config)
    plan = plan_rebase(graph, rev, onto)
    if check_database:
        try:
            with connection(config) as conn:
                rows = history.rows(conn)
                conn.rollback()
        except (DatabaseUnreachable, PasswordRequired) as exc:
            raise RebaseUnchecked(plan.revision, str(exc)) from None
        known = {row.revision for row in rows}
        recorded = [r for r in plan.moved if r in known]
        if recorded:
            raise RebaseApplied(plan.revision, recorded, graph.get(plan.starts[0]).parents)
    paths = tuple(Path(str(plan.graph.get(r).path)) for r in plan.starts)
    for rev_id, path in zip(plan.starts, paths):
        scripts.set_parents(path, plan.graph.get(rev_id).parents)
    return RebaseResult(plan.revision, plan.onto, plan.moved, paths, plan.graph.heads(), check_database)


def check(config: Config) -> CheckResult:
    """Everything CI should fail on: a forked history, migrations not applied, applied ones edited
    since or left unfinished, and models that differ from the database.

    The models are compared with the database as it is; while migrations are
    pending, the differences include their work.
    """
    graph = load_graph(config)
    with connection(config) as conn:
        rows = history.rows(conn)
        applied = _applied_ids(rows)
        problems = _history_problems(graph, rows, applied)
        model = _model_schema(config, conn.dialect.name)
        ops = _differences(model, _reflect(conn, config, model), conn.dialect.name)
        return CheckResult(ops, problems, _dependants(conn, config, model, ops))


def _history_problems(graph: RevisionGraph, rows: list[history.HistoryRow], applied: set[str]) -> tuple[str, ...]:
    problems = []
    if len(graph.heads()) > 1:
        problems.append(f"the history has {len(graph.heads())} heads ({', '.join(graph.heads())}); "
                        + join_heads_hint(graph.heads()))
    unknown = sorted(r for r in applied if r not in graph)
    if unknown:
        problems.append(f"the database is at revision(s) the migrations directory does not know: {', '.join(unknown)}")
    pending = [r for r in graph.topological() if r not in applied]
    if pending:
        problems.append(f"{len(pending)} migration(s) not applied ({', '.join(pending[:3])}"
                        f"{', …' if len(pending) > 3 else ''}); run 'dbshift upgrade'")
    for row in rows:
        if not row.applied:
            problems.append(f"migration {row.revision} was left {row.status}; see 'dbshift resolve --help'")
    for row, path, _ in _edited(graph, rows):
        problems.append(f"applied migration {row.revision} was edited since it ran ({path}); "
                        "restore it or 'dbshift accept' it")
    return tuple(problems)


def upgrade(
    config: Config,
    target: str = "head",
    *,
    sql: bool = False,
    emit: Callable[[Event], None] | None = None,
    dry_run: bool = False,
    resume: bool = False,
    single_transaction: bool = False,
    accept_checksums: Iterable[str] = (),
    confirm: Callable[[tuple[StepPreview, ...]], bool] | None = None,
    lock_wait: float | str = DEFAULT_WAIT_S,
    lock_timeout: float | str | None = None,
    statement_timeout: float | str | None = None,
) -> RunResult:
    """Apply migrations up to ``target`` (``head``, ``heads``, a revision, ``+N``).

    ``dry_run``: plan and render, change nothing (``RunResult.plan``).
    ``resume``: continue a migration whose earlier run failed or was
    interrupted part-way, at the statement after the last one it committed.
    ``single_transaction``: the whole run in one transaction (PostgreSQL, SQLite).
    ``accept_checksums``: applied revisions whose edited files are accepted as
    they are now.  ``confirm(plan)``: called with the plan, holding the lock;
    returning False cancels (``Cancelled``).  ``lock_wait``: how long to wait
    for another runner (seconds, or a duration such as ``"2min"``).
    ``lock_timeout``/``statement_timeout``: the session's timeouts for the run.
    """
    return _migrate(config, "up", target, sql, emit, _Options.of(**_kw(locals())))


def _kw(args: dict) -> dict:
    return {k: args[k] for k in _Options.__dataclass_fields__ if k in args}


def downgrade(
    config: Config,
    target: str = "-1",
    *,
    sql: bool = False,
    emit: Callable[[Event], None] | None = None,
    dry_run: bool = False,
    resume: bool = False,
    single_transaction: bool = False,
    accept_checksums: Iterable[str] = (),
    confirm: Callable[[tuple[StepPreview, ...]], bool] | None = None,
    lock_wait: float | str = DEFAULT_WAIT_S,
    lock_timeout: float | str | None = None,
    statement_timeout: float | str | None = None,
) -> RunResult:
    """Un-apply migrations down to ``target`` (``base``, a revision, ``-N``); options as for :func:`upgrade`."""
    return _migrate(config, "down", target, sql, emit, _Options.of(**_kw(locals())))


@dataclass(frozen=True)
class _Options:
    dry_run: bool = False
    resume: bool = False
    single_transaction: bool = False
    accept_checksums: tuple[str, ...] = ()
    confirm: Callable[[tuple[StepPreview, ...]], bool] | None = None
    lock_wait: float = DEFAULT_WAIT_S  # seconds
    lock_timeout: float | None = None
    statement_timeout: float | None = None

    @classmethod
    def of(cls, **kw) -> "_Options":  # noqa: ANN003
        for name in ("lock_wait", "lock_timeout", "statement_timeout"):
            if isinstance(kw.get(name), str):
                from .db import parse_duration

                kw[name] = parse_duration(kw[name]) / 1000
        kw["accept_checksums"] = tuple(kw.get("accept_checksums") or ())
        return cls(**kw)


def _migrate(config: Config, direction: str, target: str, sql: bool, emit, options: _Options | None = None) -> RunResult:  # noqa: ANN001
    """Upgrade or downgrade: lock, read the history, check it, plan, run.  See :mod:`dbshift.lock`."""
    options = options or _Options()
    graph = load_graph(config)
    if sql:
        return _migrate_offline(config, graph, direction, target)
    from . import lock
    from .db import backend_id, prepare_session, set_timeouts
    from .runner import DatabaseSink, LockAcquired, LockWaiting, Notice, Runner

    emit = emit or (lambda event: None)
    with connection(config) as conn:
        dialect = conn.dialect.name
        if options.single_transaction and dialect not in ("postgresql", "sqlite"):
            raise SingleTransactionUnsupported(dialect)
        if options.dry_run:  # reads only: no lock, no history-table upgrade
            rows = history.rows(conn)
            conn.rollback()
            steps, resume_at = _prepare(conn, graph, rows, direction, target, options)
            plan = _preview(conn, config, steps)
            return RunResult(direction, tuple(steps), None, _current(graph, _applied_ids(rows)), plan, True)
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

        with lock.hold(conn, conn.engine.url, options.lock_wait, on_wait):
            if waited:
                emit(LockAcquired(int((time.monotonic() - waited[0]) * 1000)))
            rows = history.rows(conn)
            conn.rollback()
            steps, resume_at = _prepare(conn, graph, rows, direction, target, options)
            if resume_at:
                (rev_id, done), = resume_at.items()
                emit(Notice(f"resuming {rev_id} at statement {done + 1}"))
            if options.confirm is not None and steps and not options.confirm(_preview(conn, config, steps)):
                raise Cancelled()
            # writes only after the confirmation: a cancelled run changes nothing, not even the history table
            added = history.ensure_table(conn)
            conn.commit()
            if added:
                emit(Notice(f"upgraded {history.TABLE_NAME}: added column(s) {', '.join(added)}"))
            if options.accept_checksums:
                _accept(conn, graph, rows, options.accept_checksums, write=True)
            sink = DatabaseSink(conn, config.exclude_tables, run_by)
            Runner(sink, emit, single_transaction=options.single_transaction, resume=resume_at).run(steps)
            applied_after = _after(_applied_ids(rows) | set(resume_at if direction == "down" else ()), steps)
            resumed = next(iter(resume_at), None)
            return RunResult(direction, tuple(steps), None, graph.current(applied_after), resumed=resumed)


def _applied_ids(rows: Iterable[history.HistoryRow]) -> set[str]:
    return {r.revision for r in rows if r.applied}


def _prepare(
    conn, graph: RevisionGraph, rows: list[history.HistoryRow], direction: str, target: str,  # noqa: ANN001
    options: _Options,
) -> tuple[list[Step], dict[str, int]]:
    """Check the history against the files and plan; returns the steps and ``{revision: statements done}``
    for the unfinished migration to resume."""
    for row in rows:
        if row.revision not in graph:
            raise DatabaseAtUnknownRevision(row.revision)
    if options.accept_checksums:
        rows = _accept(conn, graph, rows, options.accept_checksums, write=False)
    edited = _edited(graph, rows)
    if edited:
        row, path, actual = edited[0]
        raise ChecksumMismatch(row.revision, path, row.checksum, actual, len(edited) - 1)
    applied = _applied_ids(rows)
    resume_at: dict[str, int] = {}
    unfinished = [r for r in rows if not r.applied]
    if unfinished:
        row = unfinished[0]
        path = _path(graph, row.revision)
        running = _still_running(conn, row)
        if not options.resume:
            raise UnfinishedMigration(row, path, running)
        if row.direction != direction:
            raise UnfinishedMigration(row, path, running, wrong_direction=True)
        if running:
            raise UnfinishedMigration(row, path, running)
        if row.direction == "down":
            applied.add(row.revision)  # still applied until its downgrade completes
        resume_at[row.revision] = row.statements_done or 0
    steps = _plan(graph, direction, applied, target)
    if resume_at and next(iter(resume_at)) not in {s.revision.id for s in steps}:
        raise ResumeNotInPlan(next(iter(resume_at)), direction, target)
    return steps, resume_at


def _path(graph: RevisionGraph, rev_id: str) -> str | None:
    return graph.get(rev_id).path if rev_id in graph else None


def _still_running(conn, row: history.HistoryRow) -> tuple[int, str] | None:  # noqa: ANN001
    """For an unfinished MySQL run: its connection and the statement it is still running.

    The server goes on with the statement of a client that was killed or
    interrupted (Ctrl-C), whether the row says ``running`` or ``failed``.
    """
    import re

    from .db import statement_running

    if not row.run_by:
        return None
    match = re.search(r"connection (\d+)", row.run_by)
    if not match:
        return None
    sql = statement_running(conn, int(match.group(1)))
    return (int(match.group(1)), sql) if sql is not None else None


def _edited(graph: RevisionGraph, rows: Iterable[history.HistoryRow]) -> list[tuple[history.HistoryRow, str, str]]:
    """Applied migrations whose file's checksum differs from the recorded one: (row, path, checksum now)."""
    found = []
    for row in rows:
        if not row.applied or not row.checksum or row.revision not in graph:
            continue
        path = graph.get(row.revision).path
        if not path:
            continue
        try:
            actual = scripts.file_checksum(Path(path))
        except OSError as exc:
            raise scripts.BadMigrationFile(path, exc.strerror or str(exc)) from None
        if actual != row.checksum:
            found.append((row, path, actual))
    return found


def _accept(conn, graph: RevisionGraph, rows: list[history.HistoryRow], refs: Iterable[str], *, write: bool):  # noqa: ANN001, ANN202
    """Record the current checksum of each applied revision in ``refs``; returns the rows as they are now."""
    import dataclasses

    by_id = {r.revision: r for r in rows}
    for ref in refs:
        rev_id = graph.resolve(ref)
        row = by_id.get(rev_id)
        if row is None or not row.applied:
            raise NotApplied(rev_id)
        path = graph.get(rev_id).path
        new = scripts.file_checksum(Path(path)) if path else row.checksum
        if write:
            history.set_checksum(conn, rev_id, new)
        by_id[rev_id] = dataclasses.replace(row, checksum=new)
    if write:
        conn.commit()
    return [by_id[r.revision] for r in rows]


def _preview(conn, config: Config, steps: list[Step]) -> tuple[StepPreview, ...]:  # noqa: ANN001
    from .runner import preview

    try:
        start = _reflect(conn, config)
    except DbshiftError:
        conn.rollback()
        start = Schema()
    return preview(steps, conn.dialect, start)


def _after(applied: set[str], steps: list[Step]) -> set[str]:
    result = set(applied)
    for s in steps:
        (result.add if s.direction == "up" else result.discard)(s.revision.id)
    return result


def _plan(graph: RevisionGraph, direction: str, applied: set[str], target: str) -> list[Step]:
    if direction == "up":
        ids = graph.upgrade_plan(applied, target)
    else:
        ids = graph.downgrade_plan(applied, target)
    steps = []
    for rev_id in ids:
        migration = scripts.load(graph.get(rev_id))
        ops = migration.upgrade if direction == "up" else migration.downgrade_ops()
        steps.append(Step(graph.get(rev_id), direction, tuple(ops), migration.checksum))  # type: ignore[arg-type]
    return steps


def _migrate_offline(config: Config, graph: RevisionGraph, direction: str, target: str) -> RunResult:
    """Offline mode: ``start:end`` targets; the start defaults to base for upgrades."""
    from .db import normalize_url
    from .runner import Runner, SqlSink
    from .sqla.dialect import dialect_for

    start, _, end = target.rpartition(":")
    if direction == "up":
        applied = set(graph.ancestors(graph.resolve(start))) if start and start != "base" else set()
    else:
        if not start:
            raise TargetReached(target, "offline downgrades need a starting revision: 'dbshift downgrade START:END --sql'")
        applied = set(graph.ancestors(graph.resolve(start)))
    steps = _plan(graph, direction, applied, end)
    dialect = dialect_for(normalize_url(config.url).get_backend_name())
    state = Schema()
    for rev_id in graph.topological():
        if rev_id in applied:
            state = o.apply_all(state, scripts.load(graph.get(rev_id)).upgrade)
    sink = SqlSink(dialect, state)
    Runner(sink).run(steps)
    return RunResult(direction, tuple(steps), sink.sql, graph.current(_after(applied, steps)))


@dataclass(frozen=True)
class LintReport:
    """The findings for one migration; ``ignored`` are the codes its ``lint_ignore`` silenced."""

    revision: Revision
    findings: tuple[Finding, ...]
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class LintResult:
    dialect: str
    reports: tuple[LintReport, ...]  # oldest first

    @property
    def findings(self) -> tuple[tuple[Revision, Finding], ...]:
        return tuple((r.revision, f) for r in self.reports for f in r.findings)


def lint(
    config: Config, revisions: Iterable[str] | None = None, *, every: bool = False, ignore: Iterable[str] = ()
) -> LintResult:
    """Lint migrations for the configured database's dialect (read from the URL, no connection needed).

    Which: ``revisions`` (ids or references), else every file when ``every``,
    else the migrations not yet applied to the configured database (this one
    connects).  ``ignore``: codes left out everywhere; a migration's own
    ``lint_ignore`` silences codes for that migration only.
    """
    from .db import normalize_url

    ignore = tuple(ignore)
    for code in ignore:
        if code not in CODES:
            raise UnknownLintCode(code, "--ignore")
    dialect = normalize_url(config.url).get_backend_name()
    graph = load_graph(config)
    if revisions is not None and tuple(revisions):
        wanted = {graph.resolve(ref) for ref in revisions}
    elif every:
        wanted = set(graph.topological())
    else:
        with connection(config) as conn:
            applied = _applied_ids(history.rows(conn))
        wanted = {r for r in graph.topological() if r not in applied}
    reports = []
    for rev_id in graph.topological():
        if rev_id not in wanted:
            continue
        rev = graph.get(rev_id)
        migration = scripts.load(rev)
        own = migration.lint_ignore
        for code in own:
            if code not in CODES:
                raise UnknownLintCode(code, f"lint_ignore of {rev.path}")
        findings = run_lint(migration.upgrade, dialect, ignore + own)
        reports.append(LintReport(rev, tuple(findings), own))
    return LintResult(dialect, tuple(reports))


@dataclass(frozen=True)
class DiffResult:
    """``sql`` starts with a ``-- not compared:`` comment per entry of ``unmodelled`` (views, functions…
    that differ and that dbshift does not compare) and a ``-- depends:`` comment per entry of ``dependants``."""

    ops: tuple[o.Op, ...]
    sql: str
    unmodelled: tuple[Difference, ...] = ()
    dependants: tuple[Dependant, ...] = ()


def diff_databases(url_a: str, url_b: str, *, schemas: tuple[str | None, ...] | None = None) -> DiffResult:
    """The operations, and the SQL for database A's dialect, that turn A's schema into B's.

    ``schemas`` restricts the comparison to those schemas (None: the default
    one); without it, every schema either database has is compared.
    """
    from .db import connect, create_engine
    from .dialects import render
    from .core.unmodelled import dependants, differences
    from .sqla.reflect import reflect, schema_names
    from .sqla.reflect.unmodelled import unmodelled

    engines, conns = [], []
    try:
        for url in (url_a, url_b):
            engines.append(create_engine(url))
            conns.append(connect(engines[-1], url))
        if schemas is None:
            schemas = tuple(dict.fromkeys(n for conn in conns for n in (None, *schema_names(conn))))
        found = [(reflect(conn, schemas=schemas, exclude={history.TABLE_NAME}), conn.dialect.name) for conn in conns]
        others = [unmodelled(conn, schemas=schemas, exclude={history.TABLE_NAME}) for conn in conns]
    finally:
        for conn in conns:
            conn.close()
        for engine in engines:
            engine.dispose()
    (a, dialect), (b, _) = found
    ops = _differences(b, a, dialect)
    statements, state = [], a
    for op in ops:
        statements += [s.sql.rstrip(";") + ";" for s in render(op, dialect, state)]
        state = op.apply(state)
    changed, broken = differences(*others), dependants(ops, others[0])
    header = [f"-- not compared: {d.describe()} ({d.not_compared}; write that change by hand)" for d in changed]
    header += [f"-- depends: {d.describe('this script')}" for d in broken]
    sql = "\n\n".join(statements) + ("\n" if statements else "")
    if header:
        sql = "\n".join(header) + "\n" + ("\n" + sql if sql else "")
    return DiffResult(ops, sql, changed, broken)


def database_schema(config: Config) -> tuple[Schema, str]:
    """The configured database's schema as ``check`` reads it (the default schema plus every schema the
    models use, when models are configured), and its dialect name."""
    with connection(config) as conn:
        dialect = conn.dialect.name
        has_models = bool(config.metadata) or config.metadata_object is not None
        return _reflect(conn, config, _model_schema(config, dialect) if has_models else None), dialect


def schema_changes(current: Schema, target: Schema, dialect: str) -> tuple[o.Op, ...]:
    """The operations, in a runnable order, that turn schema ``current`` into ``target`` on ``dialect``."""
    return _differences(target, current, dialect)


def current(config: Config) -> tuple[str, ...]:
    """The revisions the database is at (several when branches are applied); empty at base."""
    graph = load_graph(config)
    with connection(config) as conn:
        return _applied(conn, graph)[1]


def status(config: Config) -> Status:
    """Where the database stands against the migrations: for an application's start-up check.

    Reads only (no lock).  ``unfinished`` lists migrations a run left failed or
    interrupted; ``edited`` the applied revisions whose files changed since.
    """
    graph = load_graph(config)
    with connection(config) as conn:
        rows = history.rows(conn)
        conn.rollback()
    applied = _applied_ids(rows)
    cur = _current(graph, applied | {r.revision for r in rows if r.revision not in graph})
    pending = tuple(r for r in graph.topological() if r not in applied)
    edited = tuple(row.revision for row, _, _ in _edited(graph, rows))
    return Status(cur, graph.heads(), pending, tuple(r for r in rows if not r.applied), edited)


def heads(config: Config) -> tuple[Revision, ...]:
    graph = load_graph(config)
    return tuple(graph.get(h) for h in graph.heads())


def history_entries(
    config: Config, *, with_database: bool = True, rev_range: str | None = None
) -> list[HistoryEntry]:
    """Every revision (or those in ``rev_range``, see :mod:`dbshift.core.ranges`), newest first,
    marked applied/current/head."""
    graph = load_graph(config)
    applied: set[str] = set()
    cur: tuple[str, ...] = ()
    if with_database:
        with connection(config) as conn:
            rows, cur = _applied(conn, graph)
        applied = {r.revision for r in rows}
    head_ids = set(graph.heads())
    wanted = set(in_range(graph, rev_range, cur)) if rev_range is not None else None
    return [
        HistoryEntry(graph.get(r), r in applied, r in cur, r in head_ids)
        for r in reversed(graph.topological())
        if wanted is None or r in wanted
    ]


def show(config: Config, ref: str) -> ShowResult:
    graph = load_graph(config)
    rev = graph.get(graph.resolve(ref))
    migration = scripts.load(rev)
    source = Path(rev.path).read_text(encoding="utf-8") if rev.path else ""
    return ShowResult(rev, None, tuple(migration.upgrade), migration.downgrade, source)


def stamp(
    config: Config, target: str, *, emit: Callable[[Event], None] | None = None, lock_wait: float = DEFAULT_WAIT_S
) -> StampResult:
    """Record the database as being at ``target`` without running any migration.

    Unfinished rows of revisions at or below ``target`` become applied; every
    other row is removed.
    """
    graph = load_graph(config)
    if target == "base":
        wanted: set[str] = set()
    elif target in ("head", "heads"):
        tops = graph.heads()
        if target == "head" and len(tops) > 1:
            raise MultipleHeads(list(tops))
        wanted = {a for h in tops for a in graph.ancestors(h)}
    else:
        wanted = set(graph.ancestors(graph.resolve(target)))
    with connection(config) as conn, _locked(conn, emit, lock_wait):
        history.ensure_table(conn)
        conn.commit()
        rows = history.rows(conn)
        conn.rollback()
        before = _current(graph, _applied_ids(rows))
        have = {r.revision: r for r in rows}
        for rev_id in graph.topological():
            if rev_id not in wanted:
                continue
            rev = graph.get(rev_id)
            checksum = scripts.file_checksum(Path(rev.path)) if rev.path else ""
            if rev_id not in have:
                history.record(conn, rev_id, rev.message, checksum, 0)
            elif not have[rev_id].applied:
                history.mark_applied(conn, rev_id, checksum)
        for rev_id in set(have) - wanted:
            history.forget(conn, rev_id)
        conn.commit()
    return StampResult(before, graph.current(wanted))


@contextlib.contextmanager
def _locked(conn, emit: Callable[[Event], None] | None, lock_wait: float = DEFAULT_WAIT_S) -> Iterator[None]:  # noqa: ANN001
    from . import lock
    from .runner import LockWaiting

    def on_wait(holder: str | None) -> None:
        if emit is not None:
            emit(LockWaiting(holder, lock_wait))

    with lock.hold(conn, conn.engine.url, lock_wait, on_wait):
        try:
            yield
        finally:
            conn.rollback()


def resolve(
    config: Config, revision: str, outcome: str, *, emit: Callable[[Event], None] | None = None,
    lock_wait: float = DEFAULT_WAIT_S,
) -> ResolveResult:
    """Record by hand how a failed or interrupted migration ended.

    ``outcome="applied"``: its changes are all in the database (the row becomes
    applied, with the file's current checksum).  ``outcome="rolled-back"``: none
    of them are (the row is removed, the migration is pending again).
    """
    if outcome not in ("applied", "rolled-back"):
        raise ValueError(f"outcome must be 'applied' or 'rolled-back', not {outcome!r}")
    graph = load_graph(config)
    with connection(config) as conn, _locked(conn, emit, lock_wait):
        history.ensure_table(conn)
        conn.commit()
        rows = {r.revision: r for r in history.rows(conn)}
        conn.rollback()
        rev_id = revision if revision in rows else graph.resolve(revision)
        row = rows.get(rev_id)
        if row is None or row.applied:
            raise NothingToResolve(rev_id, [r.revision for r in rows.values() if not r.applied])
        if outcome == "applied":
            path = _path(graph, rev_id)
            history.mark_applied(conn, rev_id, scripts.file_checksum(Path(path)) if path else None)
        else:
            history.forget(conn, rev_id)
        conn.commit()
    return ResolveResult(rev_id, row.status, row.direction, outcome)


def accept(
    config: Config, revisions: Iterable[str], *, emit: Callable[[Event], None] | None = None,
    lock_wait: float = DEFAULT_WAIT_S,
) -> tuple[AcceptResult, ...]:
    """Accept edits to applied migrations: record their files' current checksums."""
    graph = load_graph(config)
    refs = tuple(revisions)
    with connection(config) as conn, _locked(conn, emit, lock_wait):
        history.ensure_table(conn)
        conn.commit()
        rows = history.rows(conn)
        conn.rollback()
        before = {r.revision: r.checksum for r in rows}
        after = _accept(conn, graph, rows, refs, write=True)
    changed = {r.revision: r.checksum for r in after}
    return tuple(
        AcceptResult(rev_id, _path(graph, rev_id), before[rev_id], changed[rev_id])
        for rev_id in dict.fromkeys(graph.resolve(ref) for ref in refs)
    )


def init(root: Path, *, metadata: str | None = None, migrations: str = "migrations") -> InitResult:
    """Add ``[tool.dbshift]`` to ``root/pyproject.toml`` and create the migrations directory."""
    from .config import find_pyproject

    pyproject = root / "pyproject.toml"
    existing = find_pyproject(root)
    if existing is not None and existing.parent == root:
        raise AlreadyInitialized(existing)
    metadata = metadata or _guess_metadata(root)
    if metadata is None:
        raise ModelsNotFoundForInit(root)
    section = (
        "\n[tool.dbshift]\n"
        f'metadata = "{metadata}"\n'
        f'migrations = "{migrations}"\n'
        '# url_env = "MYAPP_DATABASE_URL"   # the variable your application reads its URL from\n'
    )
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    pyproject.write_text(text + section, encoding="utf-8")
    (root / migrations).mkdir(parents=True, exist_ok=True)
    return InitResult(pyproject, root / migrations, metadata)


def _guess_metadata(root: Path) -> str | None:
    """Find ``package/models.py`` (or ``models.py``) defining a declarative base."""
    import re

    candidates = sorted(root.glob("*/models.py")) + sorted(root.glob("*/models/__init__.py"))
    candidates += sorted(root.glob("src/*/models.py")) + [root / "models.py"]
    pattern = re.compile(r"^class\s+(\w+)\s*\([^)]*DeclarativeBase[^)]*\)|^(\w+)\s*=\s*declarative_base\(", re.M)
    for path in candidates:
        if not path.is_file():
            continue
        match = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            rel = path.relative_to(root / "src" if path.parts[len(root.parts)] == "src" else root)
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return f"{'.'.join(parts)}:{match.group(1) or match.group(2)}.metadata"
    return None

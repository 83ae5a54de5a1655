"""Where the database stands and what its history records: read it, and correct it by hand.

``current``, ``status``, ``history_entries``, ``heads`` and ``show`` read;
``stamp``, ``resolve`` and ``accept`` write ``dbshift_history`` rows (never the
schema), holding the run lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..core.errors import MultipleHeads, command, join_heads_hint
from ..core.graph import Revision, RevisionGraph
from ..core.ranges import in_range, needs_database, one_revision
from ..database import history
from ..database.history import HistoryRow
from ..project import files
from ..project.config import Config
from .context import (
    Emit, accepted, applied_ids, connection, current_of, edited, ensure_history_table, history_rows, load_graph, locked,
    path_of, read_rows, record_checksums,
)
from .options import DEFAULT_WAIT_S
from .errors import NoDowngrade, NothingToResolve
from .history_results import AcceptResult, HistoryEntry, ResolveResult, ShowResult, StampResult, Status

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..core.model import Schema
    from ..core.ops import Op


def current(config: Config) -> tuple[str, ...]:
    """The revisions the database is at (several when branches are applied); empty at base."""
    graph = load_graph(config)
    return current_of(graph, applied_ids(history_rows(config)))


def status(config: Config, *, graph: RevisionGraph | None = None) -> Status:
    """Where the database stands against the migrations: for an application's start-up check.

    Reads only (no lock).  ``unfinished`` lists migrations a run left failed or
    interrupted; ``edited`` the applied revisions whose files changed since.  ``graph``: the one
    :func:`load_graph` gave this command, if it has it.
    """
    graph = graph if graph is not None else load_graph(config)
    rows = history_rows(config)
    applied = applied_ids(rows)
    cur = current_of(graph, applied | {r.revision for r in rows if r.revision not in graph})
    pending = tuple(r for r in graph.topological() if r not in applied)
    changed = tuple(row.revision for row, _, _ in edited(graph, rows))
    return Status(cur, graph.heads(), pending, tuple(r for r in rows if not r.applied), changed)


def history_problems(graph: RevisionGraph, rows: list[HistoryRow], applied: set[str]) -> tuple[str, ...]:
    """What is wrong with the history itself: forked, unknown or pending revisions, unfinished or edited ones."""
    problems = []
    if len(graph.heads()) > 1:
        problems.append(f"the history has {len(graph.heads())} heads ({', '.join(graph.heads())}); "
                        + join_heads_hint(graph.heads(), applied))
    unknown = sorted(r for r in applied if r not in graph)
    if unknown:
        problems.append(f"the database is at revision(s) the migrations directory does not know: {', '.join(unknown)}")
    pending = [r for r in graph.topological() if r not in applied]
    if pending:
        problems.append(f"{len(pending)} migration(s) not applied ({', '.join(pending[:3])}"
                        f"{', …' if len(pending) > 3 else ''}); run {command('upgrade')}")
    problems += [f"pending migration {error.path} does not load: {error.detail}; fix it before "
                 f"{command('upgrade')}" for error in unloadable(graph, pending)]
    for row in rows:
        if not row.applied:
            problems.append(f"migration {row.revision} was left {row.status}; see {command('resolve --help')}")
    for row, path, _ in edited(graph, rows):
        problems.append(f"applied migration {row.revision} was edited since it ran ({path}); "
                        f"restore it or {command('accept')} it")
    return tuple(problems)


def unloadable(graph: RevisionGraph, revisions: Iterable[str]) -> list[files.BadMigrationFile]:
    """Why each of ``revisions`` whose file does not load (a syntax error, an import that fails, a bad
    operation) cannot run."""
    broken = []
    for rev_id in revisions:
        try:
            files.load(graph.get(rev_id))
        except files.BadMigrationFile as exc:
            broken.append(exc)
    return broken


def heads(config: Config) -> tuple[Revision, ...]:
    graph = load_graph(config)
    return tuple(graph.get(h) for h in graph.heads())


def history_entries(
    config: Config, *, with_database: bool = True, rev_range: str | None = None
) -> list[HistoryEntry]:
    """Every revision (or those in ``rev_range``, see :mod:`dbshift.core.ranges`), newest first,
    marked applied/current/head, with what ``dbshift_history`` records of each applied one."""
    graph = load_graph(config)
    rows: dict[str, HistoryRow] = {}
    cur: tuple[str, ...] = ()
    if with_database:
        rows = {row.revision: row for row in history_rows(config)}
        cur = current_of(graph, applied_ids(rows.values()))
    applied = applied_ids(rows.values())
    head_ids = set(graph.heads())
    wanted = set(in_range(graph, rev_range, cur)) if rev_range is not None else None
    return [
        HistoryEntry(graph.get(r), r in applied, r in cur, r in head_ids, rows.get(r), files.created_at(graph.get(r)))
        for r in reversed(graph.topological())
        if wanted is None or r in wanted
    ]


def show(config: Config, ref: str) -> ShowResult:
    """One migration (``ref``: an id, prefix, ``head``, ``current``, ``-1``, ``head-1``…) and every statement of
    its upgrade and downgrade, rendered for the configured database's family without connecting (as
    ``upgrade --sql`` renders them: the schema before it is the one its ancestors build).  The database is
    read only when ``ref`` says where it is (``current``, ``-1``)."""
    from ..core import ops as o
    from ..core.model import Schema
    from ..runner import Step
    from ..runner.preview import preview

    graph = load_graph(config)
    at: tuple[str, ...] = ()
    if needs_database(ref):
        at = current_of(graph, applied_ids(history_rows(config)))
    rev = graph.get(one_revision(graph, ref, at))
    dialect = _offline_dialect(config)
    migration = files.load(rev, dialect)
    before, ancestors = Schema(), graph.ancestors(rev.id) - {rev.id}
    for rev_id in graph.topological():
        if rev_id in ancestors:
            before = _replayed(before, files.load(graph.get(rev_id), dialect).upgrade)
    up = preview([Step(rev, "up", migration.upgrade, migration.checksum)], dialect, before)[0]
    down, why = None, None
    try:
        down_ops = migration.downgrade_ops()
    except o.IrreversibleOperation as exc:
        why = NoDowngrade(rev.id, rev.path, exc.op.describe(), migration.kind).message
    else:
        after = _replayed(before, migration.upgrade)
        down = preview([Step(rev, "down", down_ops, migration.checksum)], dialect, after)[0]
    source = Path(rev.path).read_text(encoding="utf-8") if rev.path else ""
    return ShowResult(rev, None, tuple(migration.upgrade), migration.downgrade, source, dialect.name, up, down, why,
                      migration.kind)


def _offline_dialect(config: Config) -> sa.engine.Dialect:
    """The dialect of the configured database, from its URL alone (nothing connects)."""
    from ..database.connect import normalize_url
    from ..sqla.dialect import dialect_for

    return dialect_for(normalize_url(config.url).get_backend_name())


def _replayed(schema: Schema, ops: Iterable[Op]) -> Schema:
    """``schema`` after ``ops``, as far as the schema model follows them (hand-written SQL it does not)."""
    for op in ops:
        try:
            schema = op.apply(schema)
        except (KeyError, ValueError):
            pass
    return schema


def stamp(config: Config, target: str, *, emit: Emit | None = None, lock_wait: float = DEFAULT_WAIT_S) -> StampResult:
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
    with connection(config, write=True) as conn, locked(conn, emit, lock_wait):
        ensure_history_table(conn)
        rows = read_rows(conn)
        before = current_of(graph, applied_ids(rows))
        have = {r.revision: r for r in rows}
        with conn.begin():
            for rev_id in graph.topological():
                if rev_id not in wanted:
                    continue
                rev = graph.get(rev_id)
                checksum = files.file_checksum(Path(rev.path)) if rev.path else ""
                if rev_id not in have:
                    history.record(conn, rev_id, rev.message, checksum, 0)
                elif not have[rev_id].applied:
                    history.mark_applied(conn, rev_id, checksum)
            for rev_id in set(have) - wanted:
                history.forget(conn, rev_id)
    return StampResult(before, graph.current(wanted))


def resolve(
    config: Config, revision: str, outcome: str, *, emit: Emit | None = None, lock_wait: float = DEFAULT_WAIT_S,
) -> ResolveResult:
    """Record by hand how a failed or interrupted migration ended.

    ``outcome="applied"``: its changes are all in the database (the row becomes
    applied, with the file's current checksum).  ``outcome="rolled-back"``: none
    of them are (the row is removed, the migration is pending again).
    """
    if outcome not in ("applied", "rolled-back"):
        raise ValueError(f"outcome must be 'applied' or 'rolled-back', not {outcome!r}")
    graph = load_graph(config)
    with connection(config, write=True) as conn, locked(conn, emit, lock_wait):
        ensure_history_table(conn)
        rows = {r.revision: r for r in read_rows(conn)}
        rev_id = revision if revision in rows else graph.resolve(revision)
        row = rows.get(rev_id)
        if row is None or row.applied:
            raise NothingToResolve(rev_id, [r.revision for r in rows.values() if not r.applied])
        with conn.begin():
            if outcome == "applied":
                path = path_of(graph, rev_id)
                history.mark_applied(conn, rev_id, files.file_checksum(Path(path)) if path else None)
            else:
                history.forget(conn, rev_id)
    return ResolveResult(rev_id, row.status, row.direction, outcome)


def accept(
    config: Config, revisions: Iterable[str], *, emit: Emit | None = None, lock_wait: float = DEFAULT_WAIT_S,
) -> tuple[AcceptResult, ...]:
    """Accept edits to applied migrations: record their files' current checksums."""
    graph = load_graph(config)
    refs = tuple(revisions)
    with connection(config, write=True) as conn, locked(conn, emit, lock_wait):
        ensure_history_table(conn)
        rows = read_rows(conn)
        after = accepted(graph, rows, refs)
        record_checksums(conn, rows, after)
    before = {r.revision: r.checksum for r in rows}
    now = {r.revision: r.checksum for r in after}
    return tuple(
        AcceptResult(rev_id, path_of(graph, rev_id), before[rev_id], now[rev_id])
        for rev_id in dict.fromkeys(graph.resolve(ref) for ref in refs)
    )

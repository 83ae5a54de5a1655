"""What every command starts from: the revision graph, a connection, and the history read against the files."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..core.graph import RevisionGraph
from ..database import direct, history
from ..database.history import HistoryRow
from ..project import files
from ..project.config import Config
from .options import DEFAULT_WAIT_S
from .errors import DatabaseAtUnknownRevision, MigrationsMissing, NotApplied

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..runner.events import Event

Emit = Callable[["Event"], None]  # (the events load with the runner: a command that runs nothing never loads them)


def load_graph(config: Config) -> RevisionGraph:
    """The revision graph of the migrations directory, from file headers only.

    Within a process, a directory whose files are all as they were (names, sizes, times, inodes) gives
    the graph built before: a command that asks twice reads the headers once.
    """
    if not config.migrations.is_dir():
        raise MigrationsMissing(config.migrations)
    listed = _listing(config.migrations)
    key = (str(config.migrations.resolve()), tuple(sorted(listed.items()))) if listed is not None else None
    built = _graphs.get(key) if key is not None else None
    if built is None:
        built = RevisionGraph.build(files.scan(config.migrations, listed))
        if key is not None:
            _graphs.clear()
            _graphs[key] = built
    return built


_graphs: dict[tuple, RevisionGraph] = {}


def _listing(directory: Path) -> dict[str, files.Stat] | None:
    """The stat of each file in the directory, which identifies them as they are now; None when it cannot be
    told cheaply (a folder of Alembic scripts, whose ``versions/`` counts too)."""
    import os

    try:
        with os.scandir(directory) as entries:
            listed = {}
            for entry in entries:
                if entry.is_dir():
                    if entry.name == "versions":
                        return None
                    continue
                listed[entry.name] = files.stat_of(entry.stat())
    except OSError:
        return None
    return listed


@contextlib.contextmanager
def connection(config: Config, *, write: bool = False) -> Iterator[sa.Connection]:
    """A connection to the configured database (asking for a password if the server wants one).

    Only a connection opened to ``write`` may create a SQLite file (and, for
    the embedded default database, its directory); to read, a file that does
    not exist yet is an empty database that cannot be written.  A driver error
    a user can act on (privileges, a read-only or locked database, a full
    disk, a lost connection) leaves the block as that one-line error.
    """
    import sqlalchemy as sa

    from ..database import engines
    from ..database.connect import connect, database_error, empty_database, sqlite_file

    path = sqlite_file(config.url)
    empty = None
    if path is not None and not write and not path.exists() and (path.parent.is_dir() or config.url_source == "default"):
        empty = empty_database()
        conn = connect(empty, config.url)
    else:
        conn = engines.connection(config.url, make_directory=write and config.url_source == "default")
    try:
        yield conn
    except sa.exc.DBAPIError as exc:
        problem = database_error(exc, config.url)
        if problem is None:
            raise
        raise problem from exc
    finally:
        with contextlib.suppress(sa.exc.DBAPIError):
            conn.close()
        if empty is not None:
            empty.dispose()


@contextlib.contextmanager
def locked(conn: sa.Connection, emit: Emit | None, lock_wait: float = DEFAULT_WAIT_S) -> Iterator[None]:
    """Hold the run lock for the block (telling ``emit`` when it has to wait); no transaction is left open."""
    from ..database import lock

    def on_wait(holder: str | None) -> None:
        from ..runner.events import LockWaiting

        if emit is not None:
            emit(LockWaiting(holder, lock_wait))

    with lock.hold(conn, conn.engine.url, lock_wait, on_wait):
        try:
            yield
        finally:
            conn.rollback()


def read_rows(conn: sa.Connection) -> list[HistoryRow]:
    """Every history row, read in a transaction of its own that is over when this returns."""
    rows = history.rows(conn)
    conn.rollback()
    return rows


def history_rows(config: Config) -> list[HistoryRow]:
    """Every history row, read through the driver alone where it can (:mod:`dbshift.database.direct`: no
    SQLAlchemy to import), else through :func:`connection`; the same rows either way."""
    rows = direct.history_rows(config.url)
    if rows is not None:
        return rows
    with connection(config) as conn:
        return read_rows(conn)


def ensure_history_table(conn: sa.Connection) -> tuple[str, ...]:
    """Create or upgrade ``dbshift_history`` and commit; returns the columns added to an older table."""
    added = history.ensure_table(conn)
    conn.commit()
    return added


def applied_ids(rows: Iterable[HistoryRow]) -> set[str]:
    return {r.revision for r in rows if r.applied}


def current_of(graph: RevisionGraph, applied: Iterable[str]) -> tuple[str, ...]:
    """Where the database is; ``DatabaseAtUnknownRevision`` for an applied id no file defines."""
    applied = list(applied)
    for rev_id in applied:
        if rev_id not in graph:
            raise DatabaseAtUnknownRevision(rev_id)
    return graph.current(applied)


def path_of(graph: RevisionGraph, rev_id: str) -> str | None:
    return graph.get(rev_id).path if rev_id in graph else None


def edited(graph: RevisionGraph, rows: Iterable[HistoryRow]) -> list[tuple[HistoryRow, str, str]]:
    """Applied migrations whose file's checksum differs from the recorded one: (row, path, checksum now).

    A revision the scan gave with its checksum (the header cache's, while the file is unchanged) is not
    read again."""
    found = []
    for row in rows:
        if not row.applied or not row.checksum or row.revision not in graph:
            continue
        revision = graph.get(row.revision)
        path = revision.path
        if not path:
            continue
        try:
            actual = revision.checksum or files.file_checksum(Path(path))
        except OSError as exc:
            raise files.BadMigrationFile(path, exc.strerror or str(exc)) from None
        if actual != row.checksum:
            found.append((row, path, actual))
    return found


def accepted(graph: RevisionGraph, rows: list[HistoryRow], refs: Iterable[str]) -> list[HistoryRow]:
    """``rows`` with each applied revision in ``refs`` carrying its file's checksum as it is now."""
    by_id = {r.revision: r for r in rows}
    for ref in refs:
        rev_id = graph.resolve(ref)
        row = by_id.get(rev_id)
        if row is None or not row.applied:
            raise NotApplied(rev_id)
        path = graph.get(rev_id).path
        by_id[rev_id] = dataclasses.replace(row, checksum=files.file_checksum(Path(path)) if path else row.checksum)
    return [by_id[r.revision] for r in rows]


def record_checksums(conn: sa.Connection, before: list[HistoryRow], after: list[HistoryRow]) -> None:
    """Write the checksums that changed between ``before`` and ``after`` and commit."""
    old = {r.revision: r.checksum for r in before}
    with conn.begin():
        for row in after:
            if old.get(row.revision) != row.checksum:
                history.set_checksum(conn, row.revision, row.checksum)


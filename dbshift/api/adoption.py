"""Adopting a database that Alembic migrated: its ``alembic_version`` becomes ``dbshift_history`` rows.

The Alembic scripts are part of dbshift's revision graph (:mod:`dbshift.project.alembic`),
so adopting only has to tell dbshift which of them the database has run: every
revision in ``alembic_version`` and all it builds on.  In three steps, each
under the run lock, nothing in the schema ever changing:

``adopt_plan``        what :func:`adopt` would record (reads only);
:func:`adopt`         records those revisions as applied and keeps ``alembic_version``,
                      so the team's Alembic still works and the adoption can be undone;
:func:`undo_adoption` removes what :func:`adopt` recorded (while dbshift has run nothing since);
:func:`confirm_adoption` drops ``alembic_version``: from then on dbshift alone keeps the history.

A database at an Alembic revision that dbshift has not adopted is refused by
runs (:func:`refuse_unadopted`): replaying the history over it would fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import DbshiftError, command
from ..core.graph import Revision, RevisionGraph
from ..database import history
from ..database.history import HistoryRow
from ..project import files
from ..project.alembic import scripts, version_table
from ..project.config import Config
from .context import Emit, applied_ids, connection, current_of, ensure_history_table, load_graph, locked, read_rows
from .options import DEFAULT_WAIT_S

if TYPE_CHECKING:
    import sqlalchemy as sa

    from .results import AdoptResult

ADOPTED_BY = "adopted from {table}"  # run_by of the rows adopt writes: how undo tells them apart


class NothingToAdopt(DbshiftError):
    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(
            f"the database has no {table} table: there is no Alembic history to adopt (a new database: "
            f"{command('upgrade')}; one made by create_all(): {command('stamp head')})"
        )


class AlembicVersionUnknown(DbshiftError):
    def __init__(self, table: str, revision: str, migrations: Path) -> None:
        self.table, self.revision, self.migrations = table, revision, migrations
        super().__init__(
            f"{table} says the database is at {revision}, a revision {migrations} does not hold: "
            "point dbshift at the Alembic folder the database was migrated with"
        )


class AlreadyManaged(DbshiftError):
    def __init__(self, recorded: list[str], wanted: list[str]) -> None:
        self.recorded, self.wanted = recorded, wanted
        super().__init__(
            f"{history.TABLE_NAME} already records {len(recorded)} revision(s) ({', '.join(recorded[:3])}"
            f"{', …' if len(recorded) > 3 else ''}) that differ from the {len(wanted)} Alembic recorded: "
            f"this database was migrated by dbshift already; see {command('current')}"
        )


class NotAdopted(DbshiftError):
    def __init__(self, table: str, heads: tuple[str, ...], doing: str = "run migrations") -> None:
        self.table, self.heads, self.doing = table, heads, doing
        at = ", ".join(heads) or "no revision"
        super().__init__(
            f"this database is at Alembic revision {at} ({table}) and dbshift has not adopted it: "
            f"run {command('adopt')} before you {doing}"
        )


class AdoptionMovedOn(DbshiftError):
    def __init__(self, table: str, heads: tuple[str, ...], missing: list[str]) -> None:
        self.table, self.heads, self.missing = table, heads, missing
        super().__init__(
            f"{table} moved on since the adoption (it is at {', '.join(heads)}; {history.TABLE_NAME} does not "
            f"record {', '.join(missing)}): Alembic ran since; {command('adopt --undo')} and adopt again"
        )


class RanSinceAdoption(DbshiftError):
    def __init__(self, since: list[str]) -> None:
        self.since = since
        super().__init__(
            f"dbshift has run {', '.join(since)} since the adoption: downgrade to where the adoption left the "
            f"database first, then {command('adopt --undo')}"
        )


def table_name(config: Config, version_table_name: str | None = None) -> str:
    """The version table to read: the one given, else the one ``env.py`` configures, else ``alembic_version``."""
    if version_table_name:
        return version_table_name
    return scripts.version_table_name(config.migrations) if scripts.is_script_folder(config.migrations) else (
        scripts.VERSION_TABLE
    )


def adopt_plan(config: Config, *, version_table_name: str | None = None) -> AdoptResult:
    """What :func:`adopt` would record, read without writing anything."""
    graph = load_graph(config)
    table = table_name(config, version_table_name)
    with connection(config) as conn:
        at, wanted = _alembic_state(conn, graph, table, config)
        rows = read_rows(conn)
    action = "already" if _adopted_rows(rows, table) and applied_ids(rows) >= set(wanted) else "plan"
    if action == "plan":
        _refuse_other_history(rows, wanted, table)
    return _result(action, table, at, tuple(graph.get(r) for r in wanted), graph.current(wanted), True)


def adopt(
    config: Config, *, version_table_name: str | None = None, emit: Emit | None = None,
    lock_wait: float = DEFAULT_WAIT_S,
) -> AdoptResult:
    """Record the revisions ``alembic_version`` stands for (and their ancestors) as applied; keep ``alembic_version``.

    Adopting an adopted database again changes nothing (``action="already"``).
    """
    graph = load_graph(config)
    table = table_name(config, version_table_name)
    with connection(config, write=True) as conn, locked(conn, emit, lock_wait):
        at, wanted = _alembic_state(conn, graph, table, config)
        conn.rollback()
        ensure_history_table(conn)
        rows = read_rows(conn)
        if _adopted_rows(rows, table) and applied_ids(rows) >= set(wanted):
            return _result("already", table, at, tuple(graph.get(r) for r in wanted),
                               current_of(graph, applied_ids(rows)), True)
        _refuse_other_history(rows, wanted, table)
        history.require_writable(conn)
        with conn.begin():
            for rev_id in wanted:
                rev = graph.get(rev_id)
                checksum = files.file_checksum(Path(rev.path)) if rev.path else ""
                history.record(conn, rev_id, rev.message, checksum, 0, run_by=ADOPTED_BY.format(table=table))
    return _result("adopted", table, at, tuple(graph.get(r) for r in wanted), graph.current(wanted), True)


def undo_adoption(
    config: Config, *, version_table_name: str | None = None, emit: Emit | None = None,
    lock_wait: float = DEFAULT_WAIT_S,
) -> AdoptResult:
    """Remove the rows :func:`adopt` recorded; refused once dbshift has run a migration since, or
    once the adoption is confirmed (``alembic_version`` is gone)."""
    graph = load_graph(config)
    table = table_name(config, version_table_name)
    with connection(config, write=True) as conn, locked(conn, emit, lock_wait):
        at = version_table.heads(conn, table)
        rows = read_rows(conn)
        if at is None:
            raise NothingToAdopt(table)
        adopted = _adopted_rows(rows, table)
        since = sorted(applied_ids(rows) - {r.revision for r in adopted})
        if since:
            raise RanSinceAdoption(since)
        with conn.begin():
            for row in adopted:
                history.forget(conn, row.revision)
        if not _remaining(conn):
            with conn.begin():
                history.history_table.drop(conn)
    removed = tuple(graph.get(r.revision) if r.revision in graph else _unknown(r) for r in adopted)
    return _result("undone", table, at, removed, (), True)


def confirm_adoption(
    config: Config, *, version_table_name: str | None = None, emit: Emit | None = None,
    lock_wait: float = DEFAULT_WAIT_S,
) -> AdoptResult:
    """Drop ``alembic_version`` once every revision it records is applied in ``dbshift_history``."""
    graph = load_graph(config)
    table = table_name(config, version_table_name)
    with connection(config, write=True) as conn, locked(conn, emit, lock_wait):
        at = version_table.heads(conn, table)
        if at is None:
            raise NothingToAdopt(table)
        rows = read_rows(conn)
        applied = applied_ids(rows)
        if not _adopted_rows(rows, table):
            raise NotAdopted(table, at, "confirm an adoption")
        missing = [r for r in at if r not in applied]
        if missing:
            raise AdoptionMovedOn(table, at, missing)
        with conn.begin():
            version_table.drop(conn, table)
    return _result("confirmed", table, at, (), current_of(graph, applied), False)


def refuse_unadopted(conn: sa.Connection, rows: list[HistoryRow], table: str = scripts.VERSION_TABLE) -> None:
    """``NotAdopted`` when dbshift's history is empty and the database has Alembic's, with a revision in it."""
    if rows:
        return
    at = version_table.heads(conn, table)
    conn.rollback()
    if at:
        raise NotAdopted(table, at)


# --- helpers ---------------------------------------------------------------------------------


def _result(*fields: Any) -> AdoptResult:
    """An :class:`~.results.AdoptResult`, its module loaded here: a run asks only :func:`refuse_unadopted`."""
    from .results import AdoptResult

    return AdoptResult(*fields)


def _alembic_state(
    conn: sa.Connection, graph: RevisionGraph, table: str, config: Config
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What ``table`` records, and every revision that stands for (with their ancestors), in topological order."""
    at = version_table.heads(conn, table)
    if at is None:
        raise NothingToAdopt(table)
    for rev_id in at:
        if rev_id not in graph:
            raise AlembicVersionUnknown(table, rev_id, config.migrations)
    wanted = set().union(*(graph.ancestors(r) for r in at)) if at else set()
    return at, tuple(r for r in graph.topological() if r in wanted)


def _adopted_rows(rows: list[HistoryRow], table: str) -> list[HistoryRow]:
    marker = ADOPTED_BY.format(table=table)
    return [r for r in rows if r.applied and r.run_by == marker]


def _refuse_other_history(rows: list[HistoryRow], wanted: tuple[str, ...], table: str) -> None:
    recorded = sorted(applied_ids(rows))
    if recorded and set(recorded) != set(wanted):
        raise AlreadyManaged(recorded, list(wanted))
    unfinished = [r.revision for r in rows if not r.applied]
    if unfinished:
        raise AlreadyManaged(unfinished, list(wanted))


def _remaining(conn: sa.Connection) -> bool:
    remaining = bool(history.rows(conn))
    conn.rollback()
    return remaining


def _unknown(row: HistoryRow) -> Revision:
    """A revision for a row whose file is gone."""
    return Revision(row.revision, (), row.message)

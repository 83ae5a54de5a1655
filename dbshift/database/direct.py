"""Reading through the driver alone: the commands that only read ``dbshift_history`` (``current``,
``history``, ``status``, an ``upgrade`` with nothing to do) start without importing SQLAlchemy, and ``diff``
reads two PostgreSQL catalogs while it imports the rest (:func:`postgresql_reader`).

Every function here answers None whenever it is not sure it reads the table as
:mod:`.history` would — a URL in an unusual form (:mod:`.plain`), a SQLite file not
created yet, a server that wants a password, a table from an earlier version, any
error at all — and the caller then takes the general path, which says what is wrong
in its usual words.  Only a full answer is an answer.  Nor does it wait: a table another
run holds locked is an error here (no busy wait, a lock timeout of 100 ms), so the usual
path waits for the run lock and says that it does.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator

from .plain import PlainUrl, plain_url
from .rows import COLUMNS, TABLE_NAME, HistoryRow, rows_from

CONNECT_TIMEOUT_S = 10  # as :data:`dbshift.database.connect.CONNECT_TIMEOUT_S`

_SELECT = f"SELECT * FROM {TABLE_NAME} ORDER BY applied_at, revision"
_NEVER = "1 = 0"
#: a read that would wait for a lock fails at once instead (SQLite: ``timeout=0`` when connecting)
_NO_WAITING = {"postgresql": "SET LOCAL lock_timeout = 100", "mysql": "SET SESSION lock_wait_timeout = 1",
               "mariadb": "SET SESSION lock_wait_timeout = 1"}
#: the statements a run checks it may write the history with (:func:`dbshift.database.history.require_writable`)
_PROBES = (
    f"INSERT INTO {TABLE_NAME} (revision, message, checksum, applied_at, duration_ms) "
    f"SELECT revision, message, checksum, applied_at, duration_ms FROM {TABLE_NAME} WHERE {_NEVER}",
    f"UPDATE {TABLE_NAME} SET status = status WHERE {_NEVER}",
    f"DELETE FROM {TABLE_NAME} WHERE {_NEVER}",
)


def history_rows(url: str, *, complete: bool = False, writable: bool = False) -> list[HistoryRow] | None:
    """Every row of the history table, oldest first, as :func:`dbshift.database.history.rows` reads them;
    None when this cannot tell (see the module's note).

    ``complete``: None as well unless the table has every column a run needs (a run upgrades an older one).
    ``writable``: None as well unless this session may insert, update and delete history rows.
    """
    parsed = plain_url(url)
    if parsed is None:
        return None
    try:
        with _connection(parsed) as conn:
            if conn is None:
                return None
            cursor = conn.cursor()
            if parsed.backend in _NO_WAITING:  # a history another run has locked: the usual path waits, and says so
                cursor.execute(_NO_WAITING[parsed.backend])
            cursor.execute(_SELECT)
            names = [str(d[0]).lower() for d in cursor.description]
            if complete and not set(COLUMNS) <= set(names):
                return None
            rows = rows_from(names, cursor.fetchall())
            if writable and parsed.backend != "sqlite":  # SQLite has no roles
                for probe in _PROBES:
                    cursor.execute(probe)
            conn.rollback()
            return rows
    except Exception:  # noqa: BLE001 - whatever went wrong, the general path reads it and says so
        return None


@contextlib.contextmanager
def postgresql_reader(url: str) -> Iterator[tuple[Any, tuple[int, ...]] | None]:
    """A psycopg connection to the PostgreSQL database at ``url``, to read in one transaction, and the server's
    version (``(15, 4)``); None when this cannot tell (not a PostgreSQL URL of an everyday form, a server that
    wants a password, any failure to connect).  The connection is closed after the block, its transaction rolled
    back with it; an error raised inside the block goes on up."""
    parsed = plain_url(url)
    conn = None
    if parsed is not None and parsed.backend == "postgresql":
        with contextlib.suppress(Exception):  # the general path connects again, and says what is wrong
            conn = _open(parsed)
    if conn is None:
        yield None
        return
    conn.prepare_threshold = None  # each statement runs once: preparing any would cost a round trip
    try:
        yield conn, _version(conn.info.server_version)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _version(number: int) -> tuple[int, ...]:
    """PostgreSQL's version number (150004, 90624) as SQLAlchemy reads the version string: (15, 4), (9, 6, 24)."""
    if number >= 100000:
        return number // 10000, number % 10000
    return number // 10000, number // 100 % 100, number % 100


@contextlib.contextmanager
def _connection(parsed: PlainUrl) -> Iterator[Any]:
    """A DB-API connection (None: not here), closed after the block."""
    conn = _open(parsed)
    try:
        yield conn
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


def _open(parsed: PlainUrl) -> Any:
    if parsed.backend == "sqlite":
        import sqlite3

        path = parsed.sqlite_path
        if path is None or not path.is_file():
            return None  # a file not created yet reads as an empty database: the general path says so
        return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=0)
    if parsed.backend == "postgresql":
        import psycopg

        # unnamed (no application_name): it never holds the run lock, so no waiting runner has to name it
        return psycopg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
            dbname=parsed.database, connect_timeout=max(1, math.ceil(CONNECT_TIMEOUT_S)),
        )
    from .mysql_tls import connect as mysql_connect

    return mysql_connect(
        host=parsed.host, port=parsed.port or 3306, user=parsed.username or "", password=parsed.password or "",
        database=parsed.database, charset="utf8mb4", connect_timeout=CONNECT_TIMEOUT_S,
    )

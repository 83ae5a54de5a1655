"""The run lock: at most one dbshift runner changes a database at a time.

A runner takes the lock *before* it reads the history and holds it until it is
done, so a second runner started at the same moment waits, then reads the
history the first one wrote and finds nothing left to do.  Every lock dies
with the process that holds it: a killed runner never leaves a database
locked.  How, per database:

PostgreSQL
    A session-level advisory lock (``pg_try_advisory_lock``) on the run's own
    connection.  Session-level means it survives the per-migration commits and
    is not part of any transaction, so the connection can be idle — not "idle
    in transaction" — when it runs ``CREATE INDEX CONCURRENTLY``, which waits
    for every transaction holding an older snapshot.  For the same reason a
    waiting runner *polls* with ``pg_try_advisory_lock`` from an idle
    connection instead of blocking in ``pg_advisory_lock``: a blocked
    statement holds a snapshot, and the holder's concurrent index build would
    wait for the waiter while the waiter waits for the holder.  The run's
    session sets ``client_connection_check_interval`` (PostgreSQL 14+), so
    when the runner is killed during a long statement the server notices
    within a second, rolls the migration back and frees the lock.

MySQL / MariaDB
    ``GET_LOCK('dbshift.<database>', timeout)`` on a *dedicated* connection
    that stays idle.  MySQL does not notice a vanished client while a statement
    runs (``SELECT SLEEP(30)`` keeps going), so a lock on the run's connection
    would outlive a killed runner by as long as its statement runs; an idle
    connection is closed by the server as soon as its client is gone.  The
    history row of an interrupted migration names the connection that ran it,
    so the next runner can tell the user when that statement is still running.
    The lock lives as long as that connection: before each statement the
    runner checks it is still there (:meth:`RunLock.check`), and stops with
    :class:`LockLost` when it is not, so two runners never run at once.

SQLite
    ``flock`` on a lock file next to the database file (``<db>.dbshift-lock``,
    with symlinks resolved, so every path to one database finds one lock).
    SQLite's own locks cannot do this job: the lock must span several
    transactions (one per migration), and a ``BEGIN IMMEDIATE`` held on a
    second connection would block the runner's own writes, while running the
    whole plan in one ``BEGIN IMMEDIATE`` would give up per-migration commits.
    The kernel drops an ``flock`` when its process dies, whatever the cause.
    The holder writes its pid and host into the file for the waiting message,
    and removes the file when done (checking the inode, so a runner that
    opened the old file retries instead of locking a deleted one).
    In-memory databases need no lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import socket
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Protocol

import sqlalchemy as sa

from ..core.errors import DbshiftError

PG_LOCK_KEY = 0x64627368  # "dbsh": the bigint key of the advisory lock


class LockTimeout(DbshiftError):
    def __init__(self, waited_s: float, holder: str | None) -> None:
        self.waited_s, self.holder = waited_s, holder
        who = f" (held by {holder})" if holder else ""
        super().__init__(
            f"gave up after {_seconds(waited_s)} waiting for the migration lock{who}: another dbshift run "
            "is changing this database; try again when it is done, or wait longer with --lock-wait"
        )


class LockLost(DbshiftError):
    """The connection holding the run lock ended during the run: another runner may have started."""

    def __init__(self, holder: str, reason: str) -> None:
        self.holder, self.reason = holder, reason
        super().__init__(
            f"the migration lock was lost ({holder} ended: {reason}); the run stopped before its next "
            "statement so that no second run works beside it"
        )


def _seconds(s: float) -> str:
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


def whoami() -> str:
    """How this process describes itself to other runners: ``pid 123 on host``."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


class RunLock(Protocol):
    def acquire(self, timeout_s: float, on_wait: Callable[[str | None], None]) -> None: ...
    def check(self) -> None:
        """Raise :class:`LockLost` unless the lock is still held."""

    def release(self) -> None: ...


@contextlib.contextmanager
def hold(
    connection: sa.Connection,
    url: sa.engine.URL,
    timeout_s: float,
    on_wait: Callable[[str | None], None] = lambda holder: None,
) -> Iterator[RunLock]:
    """Hold the run lock of the database behind ``connection`` for the ``with`` block; yields the lock,
    whose ``check()`` says whether it is still held.

    ``on_wait(holder)`` is called once if the lock is taken, with a description
    of the holder (or None when it cannot be told); ``LockTimeout`` after
    ``timeout_s`` seconds.
    """
    lock = for_connection(connection, url)
    lock.acquire(timeout_s, on_wait)
    try:
        yield lock
    finally:
        lock.release()


def for_connection(connection: sa.Connection, url: sa.engine.URL) -> RunLock:
    name = connection.dialect.name
    if name == "postgresql":
        return PostgresLock(connection)
    if name in ("mysql", "mariadb"):
        return MysqlLock(connection, url)
    if name == "sqlite":
        path = sqlite_path(url)
        return FileLock(Path(str(path) + ".dbshift-lock")) if path else NoLock()
    return NoLock()


class NoLock:
    def acquire(self, timeout_s: float, on_wait: Callable[[str | None], None]) -> None:
        pass

    def check(self) -> None:
        pass

    def release(self) -> None:
        pass


def _acquire_polling(
    try_once: Callable[[], bool], holder: Callable[[], str | None], timeout_s: float,
    on_wait: Callable[[str | None], None],
) -> None:
    """Poll ``try_once`` for the lock; tell ``on_wait`` who holds it before waiting; ``LockTimeout`` when time is up."""
    seen: list[str | None] = [None]

    def waiting() -> None:
        seen[0] = holder()
        on_wait(seen[0])

    started = time.monotonic()
    if not _poll(try_once, timeout_s, waiting):
        raise LockTimeout(time.monotonic() - started, seen[0])


def _poll(try_once: Callable[[], bool], timeout_s: float, on_wait: Callable[[], None]) -> bool:
    """Call ``try_once`` until it succeeds or ``timeout_s`` passes; ``on_wait`` before the first sleep."""
    if try_once():
        return True
    on_wait()
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(remaining, delay * (0.5 + random.random())))
        delay = min(delay * 1.5, 0.5)
        if try_once():
            return True


# --- PostgreSQL ----------------------------------------------------------------------


class PostgresLock:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def _try(self) -> bool:
        conn = self.connection
        got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({PG_LOCK_KEY})").scalar()
        conn.commit()  # idle, not idle in transaction, while waiting or holding
        return bool(got)

    def acquire(self, timeout_s: float, on_wait: Callable[[str | None], None]) -> None:
        _acquire_polling(self._try, self.holder, timeout_s, on_wait)

    def check(self) -> None:
        pass  # held by the run's own connection: if that ends, so does the run

    def holder(self) -> str | None:
        row = self.connection.exec_driver_sql(
            "SELECT a.pid, a.application_name, host(a.client_addr), a.usename,"
            " extract(epoch FROM now() - a.backend_start)::int"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objsubid = 1"
            f" AND l.objid = {PG_LOCK_KEY}"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).first()
        self.connection.commit()
        if row is None:
            return None
        pid, app, client, user, age = row
        parts = [f"PostgreSQL backend pid {pid}"]
        if app:
            parts.append(f"application {app!r}")
        parts.append(f"user {user}" + (f" from {client}" if client else " via socket"))
        parts.append(f"connected {age} s ago")
        return ", ".join(parts)

    def release(self) -> None:
        conn = self.connection
        with contextlib.suppress(sa.exc.DBAPIError):
            if conn.in_transaction():
                conn.rollback()
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({PG_LOCK_KEY})")
            conn.commit()


# --- MySQL / MariaDB -------------------------------------------------------------------


def mysql_lock_name(database: str | None) -> str:
    """``dbshift.<database>``; names are server-wide and at most 64 characters."""
    name = f"dbshift.{database or ''}"
    if len(name) > 64:
        name = "dbshift." + hashlib.sha1((database or "").encode()).hexdigest()
    return name


class MysqlLock:
    def __init__(self, connection: sa.Connection, url: sa.engine.URL) -> None:
        self.engine = connection.engine
        self.name = mysql_lock_name(url.database or connection.exec_driver_sql("SELECT DATABASE()").scalar())
        connection.rollback()
        self.lock_connection: sa.Connection | None = None

    def acquire(self, timeout_s: float, on_wait: Callable[[str | None], None]) -> None:
        conn = self.engine.connect()
        self.lock_connection = conn
        try:
            # a long run must not lose its lock to an idle-connection timeout
            conn.exec_driver_sql("SET SESSION wait_timeout = 604800")
            if self._get(conn, 0):
                return
            holder = self.holder(conn)
            on_wait(holder)
            started = time.monotonic()
            if not self._get(conn, max(timeout_s, 0.001)):
                raise LockTimeout(time.monotonic() - started, holder)
        except BaseException:
            self.release()
            raise

    def check(self) -> None:
        conn = self.lock_connection
        if conn is None:
            raise LockLost("the lock connection", "it was released")
        try:
            conn.exec_driver_sql("SELECT 1").scalar()
            conn.commit()
        except sa.exc.SQLAlchemyError as exc:
            why = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise LockLost("the connection holding it", why) from None

    def _get(self, conn: sa.Connection, timeout_s: float) -> bool:
        got = conn.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (self.name, timeout_s)).scalar()
        conn.commit()
        return got == 1

    def holder(self, conn: sa.Connection) -> str | None:
        owner = conn.exec_driver_sql("SELECT IS_USED_LOCK(%s)", (self.name,)).scalar()
        if owner is None:
            conn.commit()
            return None
        row = conn.exec_driver_sql(
            "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = %s", (owner,)
        ).first()
        conn.commit()
        if row is None:
            return f"connection {owner}"
        user, host, age = row
        return f"connection {owner} ({user}@{host}, connected {age} s ago)"

    def release(self) -> None:
        conn, self.lock_connection = self.lock_connection, None
        if conn is None:
            return
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # a lost connection released it already
            conn.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (self.name,))
            conn.commit()
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            conn.close()


# --- SQLite: a lock file -----------------------------------------------------------------


def sqlite_path(url: sa.engine.URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]
        if database.startswith("//"):
            database = database[2:]
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(database).expanduser().resolve()  # one lock file, however the path spells the database


class FileLock:
    """An exclusive ``flock`` on ``path`` (``msvcrt.locking`` on Windows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def _try(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _lock_fd(fd):
                os.close(fd)
                return False
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed the file after we opened it
                os.close(fd)
                return False
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"dbshift {whoami()}\n".encode())
        self.fd = fd
        return True

    def check(self) -> None:
        pass  # an flock lasts as long as this process

    def holder(self) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return text.removeprefix("dbshift ") or None

    def acquire(self, timeout_s: float, on_wait: Callable[[str | None], None]) -> None:
        _acquire_polling(self._try, self.holder, timeout_s, on_wait)

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still holding it: see the inode check in _try
        os.close(fd)


def _lock_fd(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False

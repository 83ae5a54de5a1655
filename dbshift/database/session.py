"""A run's database session: timeouts, the settings every run gets, and who is who on the server."""

from __future__ import annotations

import math

import sqlalchemy as sa

from ..core.errors import DbshiftError


class UnsupportedTimeout(DbshiftError):
    def __init__(self, which: str, dialect: str) -> None:
        self.which, self.dialect = which, dialect
        super().__init__(f"{which} is not supported on {dialect}")


def set_timeouts(conn: sa.Connection, *, lock_timeout_ms: int | None, statement_timeout_ms: int | None) -> None:
    """Session settings for a run: how long a statement may wait for a lock, and run at all.

    PostgreSQL: ``lock_timeout`` and ``statement_timeout``.  MySQL/MariaDB:
    ``lock_wait_timeout`` (metadata locks, whole seconds) and, on MariaDB,
    ``max_statement_time``.  SQLite: the busy timeout.
    """
    name = conn.dialect.name
    settings: list[str] = []
    if name == "postgresql":
        if lock_timeout_ms is not None:
            settings.append(f"SET lock_timeout = {int(lock_timeout_ms)}")
        if statement_timeout_ms is not None:
            settings.append(f"SET statement_timeout = {int(statement_timeout_ms)}")
    elif name in ("mysql", "mariadb"):
        if lock_timeout_ms is not None:
            settings.append(f"SET SESSION lock_wait_timeout = {max(1, math.ceil(lock_timeout_ms / 1000))}")
        if statement_timeout_ms is not None:
            if not getattr(conn.dialect, "is_mariadb", False):
                raise UnsupportedTimeout("--statement-timeout", "MySQL (MariaDB has max_statement_time)")
            settings.append(f"SET SESSION max_statement_time = {statement_timeout_ms / 1000:.3f}")
    elif name == "sqlite":
        if lock_timeout_ms is not None:
            settings.append(f"PRAGMA busy_timeout = {int(lock_timeout_ms)}")
        if statement_timeout_ms is not None:
            raise UnsupportedTimeout("--statement-timeout", "SQLite")
    for sql in settings:
        conn.exec_driver_sql(sql)
    if settings:
        conn.commit()


def prepare_session(conn: sa.Connection) -> None:
    """Settings every run's session gets.

    PostgreSQL 14+: ``client_connection_check_interval``, so a runner killed
    during a long statement is noticed within a second and its transaction
    and lock go with it, instead of when the statement would have ended.
    """
    if conn.dialect.name == "postgresql" and (conn.dialect.server_version_info or (0,)) >= (14,):
        conn.exec_driver_sql("SET client_connection_check_interval = 1000")
        conn.commit()


def backend_id(conn: sa.Connection) -> int | None:
    """The server's id for this session (PostgreSQL backend pid, MySQL connection id)."""
    name = conn.dialect.name
    sql = {
        "postgresql": "SELECT pg_backend_pid()",
        "mysql": "SELECT CONNECTION_ID()",
        "mariadb": "SELECT CONNECTION_ID()",
    }
    if name not in sql:
        return None
    value = conn.exec_driver_sql(sql[name]).scalar()
    conn.commit()
    return int(value) if value is not None else None


def statement_running(conn: sa.Connection, backend: int) -> str | None:
    """What session ``backend`` is running, when it is running something (MySQL/MariaDB), else None.

    MySQL does not notice a client that vanished during a statement: the
    statement of a killed runner may still be running.
    """
    if conn.dialect.name not in ("mysql", "mariadb"):
        return None
    row = conn.exec_driver_sql(
        "SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = %s", (backend,)
    ).first()
    conn.commit()
    if row is None or row[0] != "Query":
        return None
    return " ".join(str(row[1] or "").split())[:80]


# --- a step's lock_timeout ----------------------------------------------------------------------------------

LockSetting = tuple[str, ...]
"""A session's lock timeout as read, to be put back: the values of the settings, in a dialect's order."""


def read_lock_timeout(conn: sa.Connection) -> LockSetting | None:
    """The session's lock timeout settings (PostgreSQL ``lock_timeout``; MySQL/MariaDB ``lock_wait_timeout``
    and ``innodb_lock_wait_timeout``); None where there is none (SQLite)."""
    name = conn.dialect.name
    if name == "postgresql":
        return (str(conn.exec_driver_sql("SHOW lock_timeout").scalar()),)
    if name in ("mysql", "mariadb"):
        row = conn.exec_driver_sql("SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout").one()
        return (str(row[0]), str(row[1]))
    return None


def write_lock_timeout(conn: sa.Connection, value: float | LockSetting) -> None:
    """Set the session's lock timeout: ``value`` seconds (MySQL/MariaDB: whole seconds, at least 1), or
    settings :func:`read_lock_timeout` returned.  Runs in the connection's current transaction, if any."""
    name = conn.dialect.name
    if name == "postgresql":
        setting = f"{max(1, round(value * 1000))}" if isinstance(value, (int, float)) else value[0]
        conn.exec_driver_sql("SELECT set_config('lock_timeout', %(v)s, false)", {"v": setting})
    elif name in ("mysql", "mariadb"):
        if isinstance(value, (int, float)):
            metadata = innodb = str(max(1, math.ceil(value)))
        else:
            metadata, innodb = value
        conn.exec_driver_sql(f"SET SESSION lock_wait_timeout = {int(metadata)}, innodb_lock_wait_timeout = {int(innodb)}")


_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL lock_not_available
_LOCK_WAIT_TIMEOUT = (1205, 3572)  # MySQL/MariaDB: lock wait timeout exceeded; NOWAIT could not lock


def lock_not_granted(exc: BaseException | None) -> bool:
    """Whether ``exc`` (a driver error, maybe wrapped by SQLAlchemy) says a lock was not granted in time."""
    orig = getattr(exc, "orig", exc)
    if orig is None:
        return False
    if getattr(orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE or getattr(orig, "pgcode", None) == _LOCK_NOT_AVAILABLE:
        return True
    args: tuple[object, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and isinstance(args[0], int) and args[0] in _LOCK_WAIT_TIMEOUT

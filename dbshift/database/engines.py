"""Engines kept for the life of the process, one per database: a program, a Flask application or a test suite that
runs many commands on one database has SQLAlchemy learn the server once and compile each statement once.

A new engine learns the server on its first connection (SQLAlchemy's dialect initialisation: the version, the
default schema, how string literals are written, MySQL's ``sql_mode`` and name casing) and keeps what it learned
for every statement it compiles.  A kept engine is therefore checked before each command uses it: the version
the server announces as the connection is made, and one query for the settings; when any differs from what the
engine learned, the engine is dropped and a new one learns the server afresh.  A server changed during a command
is seen by the next one, as when every command made its engine.  A command run once per process (``dbshift``
on the command line) pays nothing for this: a new engine is not checked.

Engines are kept per process (a forked child makes its own: its connections name their process), for at most
:data:`KEPT` databases, and never with a password asked for or read from the environment (the next command asks
again).  Pools stay ``NullPool``: no connection outlives the command that opened it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from .connect import PASSWORD_SUPPLIED, connect, create_engine, normalize_url, sqlite_ready

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import URL, Engine

KEPT = 8  # databases whose engines a process keeps, the least recently used dropped first

Settings = tuple[object, ...]


class _Kept:
    """An engine, and the server's version as it announced itself to the engine's first connection."""

    __slots__ = ("engine", "version")

    def __init__(self, engine: Engine, version: object) -> None:
        self.engine = engine
        self.version = version


_kept: OrderedDict[tuple[URL, int], _Kept] = OrderedDict()
_lock = threading.Lock()


def connection(url: str | URL, *, make_directory: bool = False) -> sa.Connection:
    """A connection to ``url`` (as :func:`dbshift.database.connect.connect` opens it), on the engine kept for it
    when the server still answers as it did when that engine learned it, else on a new engine (kept unless a
    password had to be supplied, or the dialect keeps what it learned where it cannot be checked)."""
    parsed = sqlite_ready(normalize_url(url) if isinstance(url, str) else url, make_directory)
    key = (parsed, os.getpid())
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
    if kept is not None:
        conn = connect(kept.engine, url)
        if conn.info.get(PASSWORD_SUPPLIED):  # the engine now holds the password: it serves this command only
            _forget(key, kept)
            return conn
        if _unchanged(conn, kept.version):
            return conn
        conn.close()
        _forget(key, kept)
    engine = create_engine(parsed, make_directory=make_directory)
    conn = connect(engine, url)
    if not conn.info.get(PASSWORD_SUPPLIED) and _learned(conn.dialect) is not None:
        _keep(key, _Kept(engine, _announced_version(conn)))
    return conn


def forget_all() -> None:
    """Drop every kept engine (the next command on each database makes a new one)."""
    with _lock:
        _kept.clear()


def _announced_version(conn: sa.Connection) -> object:
    """The server's version as it announced itself when this connection was made (no query)."""
    driver_connection = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        return getattr(getattr(driver_connection, "info", None), "server_version", None)
    if conn.dialect.name in ("mysql", "mariadb"):
        return getattr(driver_connection, "get_server_info", lambda: None)()
    return None


def _learned(dialect: sa.Dialect) -> Settings | None:
    """What ``dialect`` learned from the server at its first connection and writes statements by (the default
    schema, how string literals are written, MySQL's mode and name casing), or None when it keeps any of it where
    this cannot read it: such an engine is not kept."""
    missing = object()
    if dialect.name == "postgresql":
        names = ("default_schema_name", "_backslash_escapes", "_has_native_hstore")
    elif dialect.name in ("mysql", "mariadb"):
        names = ("default_schema_name", "_sql_mode", "_casing")
    elif dialect.name == "sqlite":
        return ()  # the library is the process's own: nothing learned can change under it
    else:
        return None
    learned = tuple(getattr(dialect, name, missing) for name in names)
    return None if missing in learned else learned


#: per backend, the query reading the settings :func:`_learned` lists, as the dialect keeps them
_SETTINGS = {
    "postgresql": "SELECT current_schema(), current_setting('standard_conforming_strings') = 'off',"
                  " to_regtype('hstore') IS NOT NULL",
    "mysql": "SELECT DATABASE(), @@SESSION.sql_mode, @@lower_case_table_names",
}
_SETTINGS["mariadb"] = _SETTINGS["mysql"]


def _unchanged(conn: sa.Connection, version: object) -> bool:
    """Whether the server behind ``conn`` still has the version and settings the engine's dialect learned; the
    settings are read in a transaction that is over when this returns (the command may choose its isolation
    level next)."""
    if _announced_version(conn) != version:
        return False
    query = _SETTINGS.get(conn.dialect.name)
    if query is None:
        return True
    try:
        now = tuple(conn.exec_driver_sql(query).one())
    finally:
        conn.rollback()
    learned = _learned(conn.dialect)
    if conn.dialect.name != "postgresql":
        now = (now[0], now[1] or "", int(now[2]))
    return learned == now


def _keep(key: tuple[URL, int], kept: _Kept) -> None:
    with _lock:
        _kept[key] = kept
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def _forget(key: tuple[URL, int], kept: _Kept) -> None:
    with _lock:
        if _kept.get(key) is kept:
            del _kept[key]

"""Connecting: URLs as people write them, engines set up for migrations, errors without passwords.

Passwords.  A URL may name a user and no password.  dbshift first connects
without one — local trust-auth URLs such as ``postgresql://postgres@127.0.0.1/db``
just work — and only when the server rejects the connection for want of a
password does it take one from ``$DBSHIFT_PASSWORD`` (``$DBSHIFT_MIGRATION_PASSWORD``
is the same variable under its older name) or, when a front end has installed a
prompt (:data:`password_prompt`; ``dbshift`` and ``flask db`` do on a terminal),
ask for it silently, then retry once.  Otherwise the error says how to supply it.
Trust, peer, ``.pgpass`` and ``$PGPASSWORD`` set-ups never ask: the server does
not want a password from dbshift.

Secrets.  A password is never printed: every message built here is masked
(:mod:`dbshift.database.secrets`); :func:`secrets_of` names the passwords a
URL carries so that they are removed wherever else they appear.

SQLite files.  Only the embedded default database gets its directory created
(``make_directory``); an explicit URL whose directory does not exist is an
error (:class:`NoSuchDirectory`), never a new empty database somewhere else.
Commands that only read never create a database file: :func:`empty_database`
stands in for a file that does not exist yet.

Failures.  :func:`database_error` turns a driver error a user can act on —
missing privileges, a read-only database, a locked one, a full disk, a lost
connection — into the error that says what happened and what to do
(:mod:`dbshift.database.problems`).

Timeouts.  Connecting gives up after :data:`CONNECT_TIMEOUT_S` seconds; a run can
set the session's lock and statement timeouts (:mod:`dbshift.database.session`).
"""

from __future__ import annotations

import math
import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from ..core.errors import DbshiftError
from .problems import (
    ConnectionLost, DatabaseLocked, DatabaseProblem, DiskFull, PermissionDenied, ReadOnlyDatabase, condition_of, grant_for,
)
from .prompt import password_prompt  # noqa: F401 - where front ends have set it
from .secrets import SECRET_KEYS, mask, mask_text, scrub, userinfo_end

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.pool import ConnectionPoolEntry

_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "sqlite": "sqlite",
}


class BadUrl(DbshiftError):
    def __init__(self, url: str, detail: str) -> None:
        self.url, self.detail = mask(url), mask_text(detail)
        super().__init__(f"invalid database URL {self.url}: {self.detail}")


class DatabaseUnreachable(DbshiftError):
    def __init__(self, url: str | URL, reason: str) -> None:
        self.url = mask(url)
        self.reason = mask_text(reason)
        super().__init__(f"cannot connect to {self.url}: {self.reason}")


class NoSuchDirectory(DatabaseUnreachable):
    """An explicit SQLite URL names a file in a directory that does not exist (a typo, a missing volume)."""

    def __init__(self, url: str | URL, path: Path) -> None:
        self.url, self.path = mask(url), path
        self.reason = f"directory {path.parent} does not exist"
        DbshiftError.__init__(self, f"cannot open the SQLite database {path}: {self.reason}; create it, or correct the URL")


#: The environment variable a password comes from, then its older name (read as well).
PASSWORD_VARIABLE, PASSWORD_VARIABLE_ALIAS = "DBSHIFT_PASSWORD", "DBSHIFT_MIGRATION_PASSWORD"


def password_from_environment() -> str | None:
    """``$DBSHIFT_PASSWORD``, else ``$DBSHIFT_MIGRATION_PASSWORD``; None when neither is set (or both are empty)."""
    return os.environ.get(PASSWORD_VARIABLE) or os.environ.get(PASSWORD_VARIABLE_ALIAS) or None


class PasswordRequired(DbshiftError):
    def __init__(self, url: str | URL) -> None:
        self.url = mask(url)
        super().__init__(
            f"the server at {self.url} wants a password: set {PASSWORD_VARIABLE}, "
            "or run the command in a terminal to be asked for it"
        )


def secrets_of(url: str | URL) -> tuple[str, ...]:
    """The passwords a URL carries: in its userinfo and in secret query parameters."""
    try:
        parsed = normalize_url(url) if isinstance(url, str) else url
    except BadUrl:
        return ()
    found = [parsed.password] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in SECRET_KEYS:
            found += [value] if isinstance(value, str) else list(value)
    return tuple(str(s) for s in found if s)


# --- URLs ----------------------------------------------------------------------------------


def normalize_url(url: str) -> URL:
    """Parse a URL, choosing the drivers dbshift installs (``postgres://`` → psycopg, ``mysql://`` → PyMySQL).

    A password written raw in the userinfo may hold ``@``, ``:`` and ``/``.
    """
    try:
        parsed = make_url(_encode_userinfo(url))
    except Exception:  # noqa: BLE001 - any failure to parse the URL is reported as a BadUrl
        raise BadUrl(url, "not a URL such as postgresql://user@host/database or sqlite:///path/file.db") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in _DRIVERS:
        raise BadUrl(url, f"unsupported database {backend!r} (use postgresql://, mysql://, mariadb:// or sqlite://)")
    if not driver:
        parsed = parsed.set(drivername=_DRIVERS[backend])
    elif backend == "postgres":
        parsed = parsed.set(drivername=f"postgresql+{driver}")
    return parsed


def _encode_userinfo(url: str) -> str:
    """``url`` with its user and password percent-encoded, so that a raw ``@`` or ``/`` in them parses."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.startswith("sqlite"):
        return url
    end = userinfo_end(rest)
    if end < 0:
        return url
    user, colon, password = rest[:end].partition(":")
    encoded = quote(unquote(user), safe="") + (":" + quote(unquote(password), safe="") if colon else "")
    return f"{scheme}://{encoded}{rest[end:]}"


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a file-backed SQLite URL (``~`` expanded), or None (in memory, a ``file:`` URI, another database)."""
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database).expanduser()


CONNECT_TIMEOUT_S = 10

#: set in a connection's ``info`` when :func:`connect` supplied a password for it
PASSWORD_SUPPLIED = "dbshift.password_supplied"


def create_engine(
    url: str | URL, *, connect_timeout: float = CONNECT_TIMEOUT_S, make_directory: bool = False
) -> Engine:
    """An engine for running migrations; SQLite gets real transactional DDL.

    A SQLite file's directory must exist (:class:`NoSuchDirectory`) unless
    ``make_directory`` (the embedded default database) creates it.
    PostgreSQL connections name themselves (``application_name``), so another
    runner waiting for the lock can say who holds it, and give up connecting
    after ``connect_timeout`` seconds (PyMySQL's default is the same 10 s).
    """
    parsed = sqlite_ready(normalize_url(url) if isinstance(url, str) else url, make_directory)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
        _transactional_sqlite(engine)
        return engine
    connect_args: dict = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg", "psycopg2"):
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = max(1, math.ceil(connect_timeout))
        if "application_name" not in parsed.query:
            connect_args["application_name"] = f"dbshift pid {os.getpid()} on {socket.gethostname()}"[:63]
    engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    if parsed.get_backend_name() in ("mysql", "mariadb") and parsed.get_driver_name() == "pymysql":
        sa.event.listen(engine, "do_connect", connect_with_shared_tls)
    return engine


def sqlite_ready(parsed: URL, make_directory: bool = False) -> URL:
    """``parsed``, a SQLite file's with its path expanded, once the file's directory is known to exist (made for
    the embedded default database when ``make_directory``; else :class:`NoSuchDirectory`); other URLs as given."""
    path = sqlite_file(parsed)
    if path is None:
        return parsed
    if make_directory:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise NoSuchDirectory(parsed, path)
    return parsed.set(database=str(path))


def empty_database() -> Engine:
    """An empty, unwritable SQLite database in memory: what a read-only command sees of a file not created yet."""
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    _transactional_sqlite(engine)

    @sa.event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    return engine


def connect_with_shared_tls(
    dialect: sa.Dialect, record: ConnectionPoolEntry, cargs: tuple[Any, ...], cparams: dict[str, Any]
) -> Any:
    """A PyMySQL engine's connection, sharing one TLS context (:mod:`.mysql_tls`): the engine's last ``do_connect``
    listener, once the others have set its parameters."""
    from .mysql_tls import connect as tls_connect

    passwd = cparams.pop("passwd", None)  # ?passwd= in a URL: PyMySQL's older name, which it warns about
    if passwd is not None and not cparams.get("password"):
        cparams["password"] = passwd
    return tls_connect(*cargs, **cparams)


def _transactional_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so DDL is transactional."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


_WANTS_PASSWORD = re.compile(
    r"no password supplied|password authentication failed|password is required|using password: NO", re.I
)


def connect(engine: Engine, url: str | URL) -> sa.Connection:
    """Open a connection, turning driver errors into one line without the password.

    When the URL names a user without a password and the server asks for one,
    the password comes from :func:`password_from_environment` or the installed
    prompt, and the connection is retried once (its ``info`` then holds
    :data:`PASSWORD_SUPPLIED`).
    """
    parsed = engine.url
    secrets = secrets_of(parsed)
    try:
        return engine.connect()
    except sa.exc.DBAPIError as exc:
        reason = _first_line(exc.orig)
        if not (parsed.username and parsed.password is None and _WANTS_PASSWORD.search(reason)):
            raise _unreachable(url, parsed, reason, secrets) from None
    except sa.exc.ArgumentError as exc:
        raise BadUrl(str(url) if isinstance(url, str) else mask(url), scrub(_first_line(exc), *secrets)) from None
    password = password_from_environment()
    if not password:
        prompt = password_prompt.get()
        if prompt is None:
            raise PasswordRequired(parsed) from None
        password = prompt(mask(parsed))
    _supply_password(engine, password)
    try:
        conn = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise _unreachable(url, parsed, _first_line(exc.orig), (*secrets, password)) from None
    conn.info[PASSWORD_SUPPLIED] = True
    return conn


def _unreachable(url: str | URL, parsed: URL, reason: str, secrets: tuple[str, ...]) -> DbshiftError:
    """Why connecting to ``url`` (shown as given) failed; a SQLite file that cannot be opened says why."""
    reason = scrub(reason, *secrets)
    path = sqlite_file(parsed)
    if path is not None and "unable to open database file" in reason:
        if not path.parent.is_dir():
            return NoSuchDirectory(url, path)
        if not os.access(path if path.exists() else path.parent, os.R_OK | os.W_OK):
            return ReadOnlyDatabase(str(path), f"{reason} (permission denied)")
    return DatabaseUnreachable(url, reason)


def _supply_password(engine: Engine, password: str) -> None:
    @sa.event.listens_for(engine, "do_connect")
    def _password(
        dialect: sa.Dialect, conn_rec: ConnectionPoolEntry, cargs: tuple[Any, ...], cparams: dict[str, Any]
    ) -> None:
        cparams["passwd" if "passwd" in cparams else "password"] = password

    if sa.event.contains(engine, "do_connect", connect_with_shared_tls):  # the listener that connects stays last
        sa.event.remove(engine, "do_connect", connect_with_shared_tls)
        sa.event.listen(engine, "do_connect", connect_with_shared_tls)


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def is_local(url: str | URL) -> bool:
    """SQLite, or a server on this machine (localhost, 127.0.0.1, ::1, or a socket)."""
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return True
    host = (parsed.host or "").strip("[]").lower()
    if not host:
        return not parsed.query.get("host") or str(parsed.query.get("host")).startswith("/")
    return host in ("localhost", "::1") or host.startswith("127.") or host.startswith("/")


def database_error(exc: BaseException | None, url: str | URL | None = None) -> DatabaseProblem | None:
    """``exc`` (a driver error, as SQLAlchemy raises it) as the condition a user can act on, or None."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    parsed = None
    if url is not None:
        try:
            parsed = normalize_url(url) if isinstance(url, str) else url
        except BadUrl:
            parsed = None
    reason = scrub(_first_line(exc.orig), *(secrets_of(parsed) if parsed is not None else ()))
    kind = ConnectionLost if exc.connection_invalidated else condition_of(reason)
    if kind is None:
        return None
    path = sqlite_file(parsed) if parsed is not None else None
    where = str(path) if path is not None else (mask(parsed) if parsed is not None else "the database")
    if kind is PermissionDenied:
        user = parsed.username if parsed is not None else None
        return PermissionDenied(where, user, reason, grant_for(reason, user, parsed.database if parsed else None))
    if kind is ReadOnlyDatabase:
        server = "connect to the primary server, or turn off the setting that makes the database read-only"
        return ReadOnlyDatabase(where, reason, None if path is not None else server)
    if kind is DatabaseLocked:
        return DatabaseLocked(where, reason)
    if kind is DiskFull:
        return DiskFull(where, reason)
    return ConnectionLost(where, reason)

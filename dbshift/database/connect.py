"""Connecting: URLs as people write them, engines set up for migrations, errors without passwords.

Passwords.  A URL may name a user and no password.  dbshift first connects
without one — local trust-auth URLs such as ``postgresql://postgres@127.0.0.1/db``
just work — and only when the server rejects the connection for want of a
password does it take one from ``$DBSHIFT_PASSWORD`` or, when a front end has
installed a prompt (:data:`password_prompt`; the CLI does on a terminal), ask
for it silently, then retry once.  Otherwise the error says how to supply it.

Secrets.  A password is never printed.  :func:`mask` and :func:`mask_text` hide
it in every form a URL or a driver's message can carry it: in the userinfo,
written raw (``@``, ``:`` and ``/`` included) or URL-encoded; as a
``password=``/``passwd=`` query parameter; in ``key=value`` connection strings
and in mappings a driver echoes; :func:`scrub` also removes the known secrets
of the URL in use wherever they appear.

SQLite files.  Only the embedded default database gets its directory created
(``make_directory``); an explicit URL whose directory does not exist is an
error (:class:`NoSuchDirectory`), never a new empty database somewhere else.
Commands that only read never create a database file: :func:`empty_database`
stands in for a file that does not exist yet.

Failures.  :func:`database_error` turns a driver error a user can act on —
missing privileges, a read-only database, a locked one, a full disk, a lost
connection — into one line that says what happened and what to do.

Timeouts.  Connecting gives up after :data:`CONNECT_TIMEOUT_S` seconds; a run can
set the session's lock and statement timeouts (:mod:`dbshift.database.session`).
"""

from __future__ import annotations

import contextvars
import math
import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote, quote_plus, unquote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from ..core.errors import DbshiftError, command

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


class PasswordRequired(DbshiftError):
    def __init__(self, url: str | URL) -> None:
        self.url = mask(url)
        super().__init__(
            f"the server at {self.url} wants a password: set DBSHIFT_PASSWORD, "
            "or run dbshift in a terminal to be asked for it"
        )


# --- secrets ------------------------------------------------------------------------------

#: Names under which a connection string or a query carries a password.
SECRET_KEYS = ("password", "passwd", "pwd", "sslpassword")
HIDDEN = "***"

_SCHEME = re.compile(r"[A-Za-z][\w+.-]*://")
_URL_END = re.compile(r"[\s'\"<>`]")
_KEY_VALUE = re.compile(
    r"(?i)\b(" + "|".join(SECRET_KEYS) + r")(\s*(?:=|%3D)\s*)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,'\"()]+)"
)
_MAPPING = re.compile(
    r"(?i)(['\"]?)\b(" + "|".join(SECRET_KEYS) + r")\1(\s*:\s*)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
)


def mask(url: str | URL) -> str:
    """The URL (or connection string) with every password replaced by ``***``."""
    if isinstance(url, URL):
        return mask_text(url.render_as_string(hide_password=True))
    return mask_text(str(url))


def mask_text(text: str) -> str:
    """``text`` with the passwords of every URL, ``key=value`` connection string and echoed mapping hidden."""
    parts, at = [], 0
    for found in _SCHEME.finditer(text):
        if found.start() < at:
            continue
        end = _URL_END.search(text, found.end())
        stop = end.start() if end else len(text)
        parts += [text[at:found.start()], _mask_url(text[found.start():stop])]
        at = stop
    text = "".join(parts) + text[at:]
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
    return _MAPPING.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)[0]}{HIDDEN}{m.group(4)[0]}", text)


def _mask_url(token: str) -> str:
    scheme, _, rest = token.partition("://")
    end = _userinfo_end(rest)
    if end >= 0:
        user, colon, _ = rest[:end].partition(":")
        if colon:
            rest = f"{user}:{HIDDEN}{rest[end:]}"
    return f"{scheme}://{rest}"


def _userinfo_end(rest: str) -> int:
    """Where the userinfo of a URL ends in ``rest`` (the text after ``://``): the index of its ``@``, or -1.

    The user name holds none of ``:/?#@``; a password written raw may hold
    ``@``, ``:``, ``/`` and ``?``, so it runs to the last ``@`` — unless that
    ``@`` is in the query string (``?key=a@b``), then to the last one before it.
    ``host:5432/db`` is a port, not a password.
    """
    first = rest.find("@")
    if first < 0:
        return -1
    user_end = min(i for i in (rest.find(":"), first) if i >= 0)
    if any(c in rest[:user_end] for c in "/?#"):
        return -1
    if user_end == first:  # a user without a password
        return first
    if re.match(r":\d*(?:[/?]|$)", rest[user_end:]):  # host:port
        return -1
    last = rest.rfind("@")
    query = rest.find("?", first, last)
    if query >= 0 and "=" in rest[query:last]:
        return rest.rfind("@", 0, query)
    return last


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


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` masked (:func:`mask_text`), with each of ``secrets`` (raw or URL-encoded) replaced anywhere."""
    text = mask_text(text)
    for secret in secrets:
        if secret:
            for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
                text = text.replace(form, HIDDEN)
    return text


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
    end = _userinfo_end(rest)
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

#: Set by a front end that may ask for a password: ``prompt(masked_url) -> password``.
password_prompt: contextvars.ContextVar[Callable[[str], str] | None] = contextvars.ContextVar(
    "dbshift_password_prompt", default=None
)


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
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is not None:
            if make_directory:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.parent.is_dir():
                raise NoSuchDirectory(parsed, path)
            parsed = parsed.set(database=str(path))
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
        _transactional_sqlite(engine)
        return engine
    connect_args: dict = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg", "psycopg2"):
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = max(1, math.ceil(connect_timeout))
        if "application_name" not in parsed.query:
            connect_args["application_name"] = f"dbshift pid {os.getpid()} on {socket.gethostname()}"[:63]
    return sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)


def empty_database() -> Engine:
    """An empty, unwritable SQLite database in memory: what a read-only command sees of a file not created yet."""
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    _transactional_sqlite(engine)

    @sa.event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    return engine


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
    the password comes from ``$DBSHIFT_PASSWORD`` or the installed prompt, and
    the connection is retried once.
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
    password = os.environ.get("DBSHIFT_PASSWORD")
    if not password:
        prompt = password_prompt.get()
        if prompt is None:
            raise PasswordRequired(parsed) from None
        password = prompt(mask(parsed))
    _supply_password(engine, password)
    try:
        return engine.connect()
    except sa.exc.DBAPIError as exc:
        raise _unreachable(url, parsed, _first_line(exc.orig), (*secrets, password)) from None


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


# --- failures a user can act on ---------------------------------------------------------------


class DatabaseProblem(DbshiftError):
    """A condition of the database, its server or its files that the user can fix: what happened, what to do."""

    #: What to do, added to the line of an error it caused (a migration that failed on it).
    advice = ""


class PermissionDenied(DatabaseProblem):
    advice = "the database user lacks a privilege: grant it, or use a URL whose user has it"

    def __init__(self, where: str, user: str | None, reason: str, grant: str | None = None) -> None:
        self.where, self.user, self.reason, self.grant = where, user, reason, grant
        who = f"user {user!r}" if user else "this user"
        todo = f"grant it ({grant})" if grant else "grant the missing privilege"
        super().__init__(f"{who} may not do this on {where}: {reason}; {todo}, or use a URL whose user has it")


class ReadOnlyDatabase(DatabaseProblem):
    advice = "the database is read-only: make its file and directory writable, mount it read-write, or use the primary"

    def __init__(self, where: str, reason: str, todo: str | None = None) -> None:
        self.where, self.reason = where, reason
        self.todo = todo or f"make {where} and its directory writable by this user, on a read-write file system"
        super().__init__(f"cannot write to {where}: {reason}; {self.todo}")


class DatabaseLocked(DatabaseProblem):
    advice = "another connection holds a lock: end its transaction, then run the command again"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(
            f"{where} is locked by another connection ({reason}); end that program's transaction, "
            "then run the command again"
        )


class DiskFull(DatabaseProblem):
    advice = "the disk is full: free some space, then run the command again"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(
            f"the disk holding {where} is full ({reason}); free some space, then run the command again"
        )


class ConnectionLost(DatabaseProblem):
    advice = f"the connection was lost: see where the database stands with {command('current')}, then run the command again"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(
            f"lost the connection to {where} ({reason}); see where it stands with {command('current')}, "
            "then run the command again"
        )


_PERMISSION = re.compile(
    r"permission denied|must be owner of|command denied to user|access denied for user .* to database"
    r"|insufficient privilege|\(1142,|\(1143,|\(1044,|\(1227,",
    re.I,
)
_READ_ONLY = re.compile(
    r"readonly database|read-only file system|read-only transaction|--read-only option|read only transaction"
    r"|\(1290,|\(1792,|\(1836,",
    re.I,
)
_LOCKED = re.compile(r"database is locked|database table is locked", re.I)
_FULL = re.compile(r"disk is full|no space left on device|disk full|\(1114,|errcode: 28|error 28\b", re.I)
_LOST = re.compile(
    r"terminating connection|server closed the connection|connection already closed|the connection is (?:closed|lost)"
    r"|consuming input failed|lost connection to (?:mysql )?server|server has gone away|connection reset by peer"
    r"|broken pipe|ssl connection has been closed|\(2006,|\(2013,|\(2055,|^\(0, ''\)$",
    re.I,
)


def condition_of(text: str) -> type[DatabaseProblem] | None:
    """Which condition a driver's message names, if it is one a user can act on."""
    for pattern, kind in (
        (_LOST, ConnectionLost), (_FULL, DiskFull), (_READ_ONLY, ReadOnlyDatabase), (_PERMISSION, PermissionDenied),
        (_LOCKED, DatabaseLocked),
    ):
        if pattern.search(text):
            return kind
    return None


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
        return PermissionDenied(where, user, reason, _grant(reason, user, parsed.database if parsed else None))
    if kind is ReadOnlyDatabase:
        server = "connect to the primary server, or turn off the setting that makes the database read-only"
        return ReadOnlyDatabase(where, reason, None if path is not None else server)
    if kind is DatabaseLocked:
        return DatabaseLocked(where, reason)
    if kind is DiskFull:
        return DiskFull(where, reason)
    return ConnectionLost(where, reason)


def _grant(reason: str, user: str | None, database: str | None) -> str | None:
    """The GRANT that gives ``user`` what ``reason`` says it lacks, when the message names enough to write it."""
    who = user or "<user>"
    if m := re.search(r"permission denied for schema (\S+)", reason, re.I):
        return f"GRANT USAGE, CREATE ON SCHEMA {m.group(1)} TO {who}"
    if m := re.search(r"permission denied for (?:table|relation) (\S+)", reason, re.I):
        return f"GRANT SELECT, INSERT, UPDATE, DELETE ON {m.group(1)} TO {who}"
    if m := re.search(r"permission denied for database (\S+)", reason, re.I):
        return f"GRANT CREATE ON DATABASE {m.group(1)} TO {who}"
    if m := re.search(r"must be owner of \w+ (\S+)", reason, re.I):
        return f"connect as the owner of {m.group(1)}, or ALTER ... OWNER TO {who}"
    if m := re.search(r"(\w+(?:,\s*\w+)*) command denied to user ('[^']*'@'[^']*')", reason, re.I):
        return f"GRANT {m.group(1).upper()} ON `{database or '<database>'}`.* TO {m.group(2)}"
    if m := re.search(r"access denied for user ('[^']*'@'[^']*') to database '([^']*)'", reason, re.I):
        return f"GRANT ALL ON `{m.group(2)}`.* TO {m.group(1)}"
    return None

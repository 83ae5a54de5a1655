"""Connecting: URLs as people write them, engines set up for migrations, errors without passwords.

Passwords.  A URL may name a user and no password.  dbshift first connects
without one — local trust-auth URLs such as ``postgresql://postgres@127.0.0.1/db``
just work — and only when the server rejects the connection for want of a
password does it take one from ``$DBSHIFT_PASSWORD`` or, when a front end has
installed a prompt (:data:`password_prompt`; the CLI does on a terminal), ask
for it silently, then retry once.  Otherwise the error says how to supply it.
A password is never printed: every message built here masks it.

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

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from ..core.errors import DbshiftError

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
        self.url, self.detail = mask(url), detail
        super().__init__(f"invalid database URL {self.url}: {detail}")


class DatabaseUnreachable(DbshiftError):
    def __init__(self, url: str | URL, reason: str) -> None:
        self.url = mask(url)
        self.reason = reason
        super().__init__(f"cannot connect to {self.url}: {reason}")


class PasswordRequired(DbshiftError):
    def __init__(self, url: str | URL) -> None:
        self.url = mask(url)
        super().__init__(
            f"the server at {self.url} wants a password: set DBSHIFT_PASSWORD, "
            "or run dbshift in a terminal to be asked for it"
        )


def mask(url: str | URL) -> str:
    """The URL with any password replaced by ``***``."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:  # noqa: BLE001 - masking runs while reporting errors: whatever fails to parse is masked by hand
        text = str(url)
        if "@" in text and "://" in text:
            scheme, rest = text.split("://", 1)
            creds, host = rest.rsplit("@", 1)
            user = creds.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}"
        return text
    return parsed.render_as_string(hide_password=True)


def normalize_url(url: str) -> URL:
    """Parse a URL, choosing the drivers dbshift installs (``postgres://`` → psycopg, ``mysql://`` → PyMySQL)."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - any failure to parse the URL is reported as a BadUrl
        raise BadUrl(url, str(exc).splitlines()[0]) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in _DRIVERS:
        raise BadUrl(url, f"unsupported database {backend!r} (use postgresql://, mysql://, mariadb:// or sqlite://)")
    if not driver:
        parsed = parsed.set(drivername=_DRIVERS[backend])
    elif backend == "postgres":
        parsed = parsed.set(drivername=f"postgresql+{driver}")
    return parsed


CONNECT_TIMEOUT_S = 10

#: Set by a front end that may ask for a password: ``prompt(masked_url) -> password``.
password_prompt: contextvars.ContextVar[Callable[[str], str] | None] = contextvars.ContextVar(
    "dbshift_password_prompt", default=None
)


def create_engine(url: str | URL, *, connect_timeout: float = CONNECT_TIMEOUT_S) -> Engine:
    """An engine for running migrations; SQLite gets real transactional DDL and its directory created.

    PostgreSQL connections name themselves (``application_name``), so another
    runner waiting for the lock can say who holds it, and give up connecting
    after ``connect_timeout`` seconds (PyMySQL's default is the same 10 s).
    """
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
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
    try:
        return engine.connect()
    except sa.exc.DBAPIError as exc:
        reason = _first_line(exc.orig)
        if not (parsed.username and parsed.password is None and _WANTS_PASSWORD.search(reason)):
            raise DatabaseUnreachable(url, scrub(reason, parsed.password)) from None
    except sa.exc.ArgumentError as exc:
        raise BadUrl(str(url) if isinstance(url, str) else mask(url), _first_line(exc)) from None
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
        raise DatabaseUnreachable(url, scrub(_first_line(exc.orig), password)) from None


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


def mask_text(text: str) -> str:
    """Hide the password of any URL that appears inside a message."""
    return re.sub(r"(\w[\w+.-]*://[^:/@\s]+):[^@\s]+@", r"\1:***@", text)


def scrub(text: str, password: str | None) -> str:
    """``text`` with URL passwords masked and any occurrence of ``password`` replaced."""
    text = mask_text(text)
    if password:
        text = text.replace(password, "***")
    return text


def is_local(url: str | URL) -> bool:
    """SQLite, or a server on this machine (localhost, 127.0.0.1, ::1, or a socket)."""
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return True
    host = (parsed.host or "").strip("[]").lower()
    if not host:
        return not parsed.query.get("host") or str(parsed.query.get("host")).startswith("/")
    return host in ("localhost", "::1") or host.startswith("127.") or host.startswith("/")

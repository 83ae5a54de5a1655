"""URLs in their everyday forms, parsed without SQLAlchemy, so that a command that only reads the history
can start without importing it (:mod:`.direct`).

:func:`plain_url` understands ``sqlite:///path`` and ``postgresql://user:password@host:port/db`` (and the
``postgres``, ``mysql``, ``mariadb`` schemes, with dbshift's own drivers or none), with no query string.
Anything else is None: :func:`dbshift.database.connect.normalize_url` (SQLAlchemy's parser) decides it.
Where both parse a URL, they read it the same way.
"""

from __future__ import annotations

import re
from dataclasses import field
from pathlib import Path
from urllib.parse import unquote

from .secrets import userinfo_end
from ..core.values import frozen

_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?:///([^?#%~:\s]+)")
_SERVER_SCHEME = re.compile(r"(postgres|postgresql|mysql|mariadb)(?:\+(psycopg|pymysql))?")
_HOST_PORT_DB = re.compile(r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?/([A-Za-z0-9_.$-]+)")
_DRIVER = {"postgres": "psycopg", "postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}


@frozen
class PlainUrl:
    """The parts of a URL dbshift connects to through the driver alone."""

    backend: str  # "sqlite", "postgresql", "mysql" or "mariadb"
    database: str  # for SQLite: the file's path as written
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.database) if self.backend == "sqlite" else None


def plain_url(url: str) -> PlainUrl | None:
    """``url`` in parts when it has one of the everyday forms; None otherwise (or when in doubt)."""
    found = _SQLITE.fullmatch(url)
    if found:
        return PlainUrl("sqlite", found.group(1)) if found.group(1) != ":memory:" else None
    scheme, sep, rest = url.partition("://")
    matched = _SERVER_SCHEME.fullmatch(scheme)
    if not sep or matched is None or (matched.group(2) or _DRIVER[matched.group(1)]) != _DRIVER[matched.group(1)]:
        return None
    username = password = None
    end = userinfo_end(rest)
    if end >= 0:
        user, colon, secret = rest[:end].partition(":")
        username, password = unquote(user) or None, unquote(secret) if colon else None
        rest = rest[end + 1:]
    where = _HOST_PORT_DB.fullmatch(rest)
    if where is None:
        return None
    host, port, database = where.groups()
    backend = "postgresql" if matched.group(1) == "postgres" else matched.group(1)
    return PlainUrl(backend, database, username, password, host.strip("[]"), int(port) if port else None)


def sqlite_file(url: str) -> Path | None:
    """As :func:`dbshift.database.connect.sqlite_file`, importing SQLAlchemy only for a URL :func:`plain_url`
    does not read."""
    plain = plain_url(url)
    if plain is not None:
        return plain.sqlite_path
    from .connect import sqlite_file as parsed_sqlite_file

    return parsed_sqlite_file(url)


def is_local(url: str) -> bool:
    """As :func:`dbshift.database.connect.is_local`, importing SQLAlchemy only for a URL :func:`plain_url`
    does not read."""
    plain = plain_url(url)
    if plain is None:
        from .connect import is_local as parsed_is_local

        return parsed_is_local(url)
    if plain.backend == "sqlite":
        return True
    host = (plain.host or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.") or host.startswith("/")

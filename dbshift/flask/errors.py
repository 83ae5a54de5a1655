"""The errors of the Flask integration: each carries its inputs and says what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .. import api
from ..core.errors import DbshiftError, command
from ..database.secrets import mask

PASSWORD_VARIABLE = "DBSHIFT_MIGRATION_PASSWORD"

Bind = str | None  # None is Flask-SQLAlchemy's default bind


def bind_label(bind: Bind) -> str:
    return "default bind" if bind is None else f"bind {bind!r}"


class NotSetUp(DbshiftError):
    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class UnknownBind(DbshiftError):
    def __init__(self, bind: str, known: Iterable[Bind]) -> None:
        self.bind, self.known = bind, tuple(known)
        names = ", ".join(k for k in self.known if k is not None) or "none"
        super().__init__(f"unknown bind {bind!r}: the app's SQLALCHEMY_BINDS has {names}")


class NoDefaultDatabase(DbshiftError):
    def __init__(self, known: Iterable[Bind]) -> None:
        self.known = tuple(known)
        names = ", ".join(k for k in self.known if k is not None)
        super().__init__(f"the app has no SQLALCHEMY_DATABASE_URI; choose a bind with --bind NAME ({names})")


class InMemoryDatabase(DbshiftError):
    def __init__(self, bind: Bind) -> None:
        self.bind = bind
        super().__init__(
            f"the {bind_label(bind)} is an in-memory SQLite database: migrations run on their own connection "
            "and would see a different, empty database; use a file (sqlite:///path.db), or db.create_all() "
            "where a throw-away in-memory database is wanted (tests)"
        )


class BadSetting(DbshiftError):
    """A ``DBSHIFT_*`` key of ``app.config`` that dbshift would otherwise silently ignore."""

    def __init__(self, key: str, detail: str) -> None:
        self.key, self.detail = key, detail
        super().__init__(f"app.config[{key!r}]: {detail}")


class AlembicDirectory(DbshiftError):
    """The migrations directory is Flask-Migrate's (``env.py``, ``alembic.ini``): someone is switching over."""

    program = "flask db"

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path} holds Flask-Migrate's Alembic files (env.py, alembic.ini); dbshift keeps its plain migration "
            f"files in a folder of their own: move this one aside (e.g. to {path.name}_alembic), run {command('init')} "
            f"and {command('migrate')} against an empty database, then {command('stamp head')} on existing ones"
        )


class MigrationPasswordMissing(DbshiftError):
    def __init__(self, url: str, detail: str = "there is no terminal to ask for it on") -> None:
        self.url, self.detail = mask(url), detail
        super().__init__(
            f"the migration URL {self.url} names a user but no password and {detail}; "
            f"set ${PASSWORD_VARIABLE} or run the command in a terminal"
        )


class DatabaseBehind(DbshiftError):
    """Raised by :meth:`Migrate.require_current`: some database is not at the head of its migrations."""

    def __init__(self, behind: dict[Bind, tuple[str, api.Status]], command: str = "db") -> None:
        self.behind = {bind: status for bind, (_, status) in behind.items()}
        self.command = command
        parts = []
        for bind, (url, status) in behind.items():
            at = ", ".join(status.current) or "base"
            text = f"{bind_label(bind)} ({url}) is at {at} with {len(status.pending)} migration(s) pending"
            if status.unfinished:
                text += f" and an unfinished run of {', '.join(r.revision for r in status.unfinished)}"
            parts.append(text)
        everything = " --all-binds" if any(b is not None for b in behind) else ""
        super().__init__(
            "the database is behind the migrations: " + "; ".join(parts) + f"; run 'flask {command} upgrade{everything}'"
        )

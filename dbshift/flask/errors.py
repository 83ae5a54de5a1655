"""The errors of the Flask integration: each carries its inputs and says what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .. import api
from ..core.errors import DbshiftError, command
from ..database.connect import PASSWORD_VARIABLE, PasswordRequired

#: Raised when a migration URL names a user, the server wants a password, and none can be had
#: (no terminal, no ``$DBSHIFT_PASSWORD``): the same error as the ``dbshift`` command's.
MigrationPasswordMissing = PasswordRequired

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


class NoMigrationUrl(DbshiftError):
    """The app's own database user lacks a privilege migrating needs, and no migration URL is configured.

    Carries the refusal (``error``) and says how to migrate as another user.
    """

    def __init__(self, error: DbshiftError, bind: Bind, source: str) -> None:
        self.error, self.bind, self.source = error, bind, source
        key = "DBSHIFT_MIGRATION_URL" if bind is None else f"DBSHIFT_MIGRATION_BINDS = {{{bind!r}: URL}}"
        super().__init__(
            f"{error.message}; the {bind_label(bind)} is migrated with the app's own URL ({source}): to migrate as "
            f"a user who may change the schema, set {key} in app.config (or Migrate(migration_url=...)); "
            f"a user there without a password is asked for it, or it is read from ${PASSWORD_VARIABLE}"
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
        super().__init__("the database is behind the migrations: " + "; ".join(parts) + f"; run 'flask {command} upgrade'")

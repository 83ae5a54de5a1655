"""Flask integration: ``Migrate(app, db)`` and the ``flask db`` commands.

    from dbshift.flask import Migrate

    migrate = Migrate(app, db)            # or Migrate() and migrate.init_app(app, db) in a factory

    $ flask db init                       # creates migrations/ (and migrations/<bind>/) - nothing else
    $ flask db migrate -m "add price"     # every bind: the default database first, then each bind
    $ flask db upgrade                    # every bind; --bind NAME for one

There is no ``env.py`` and no ``alembic.ini``: everything comes from the app.
Flask-Migrate's module-level functions are here too, with its signatures
(:mod:`dbshift.flask.functions`): ``with app.app_context(): upgrade()``.

* The database of each bind is the URL of Flask-SQLAlchemy's engine for it
  (``SQLALCHEMY_DATABASE_URI``, ``SQLALCHEMY_BINDS``).  A privileged URL for
  migrating can be set with ``DBSHIFT_MIGRATION_URL`` (or
  ``Migrate(..., migration_url=...)``), and ``DBSHIFT_MIGRATION_BINDS`` (a
  ``{bind: url}`` dict) for the other binds.  When such a URL names a user but no
  password, dbshift connects first; only if the server wants a password (not
  with trust, peer, ``.pgpass`` or ``$PGPASSWORD``) is it read from
  ``$DBSHIFT_PASSWORD`` (the ``dbshift`` command's variable; the older
  ``$DBSHIFT_MIGRATION_PASSWORD`` works too) or asked for on the terminal,
  once per process; it never appears in any output.  When the app's own user
  lacks a privilege and no such URL is configured, the error says how to set one.
* The models of each bind are ``db.metadatas[bind]``.
* The migrations of the default bind live in ``directory`` (default
  ``migrations``), those of bind ``NAME`` in ``directory/NAME``, each with its
  own history table in its own database (Flask-Migrate's multi-database mode,
  with no ``--multidb`` needed).  A relative ``directory`` is taken from the application's project
  folder (the folder holding its top-level package or module, where Flask puts
  ``instance/``), not from the working directory, so ``flask db`` and an
  in-process upgrade at start-up find the same files wherever they run.
  ``DBSHIFT_DIRECTORY`` in ``app.config`` overrides it.
* Coming from Flask-Migrate: its folder (``env.py`` beside ``versions/``) stays the
  default database's history, its scripts run as they are, and ``flask db adopt``
  takes over a database they migrated (``--dry-run``, ``--undo``, ``--confirm``);
  a bind cannot use such a folder (:class:`AlembicDirectory`).
* Any other ``DBSHIFT_*`` key in ``app.config`` (``DBSHIFT_MIGRATION_URI``) stops
  every command with :class:`BadSetting` rather than migrating the wrong database.

In-process, at start-up: ``Migrate(app, db, upgrade_on_start=True)`` upgrades
every bind to head, ``migrate.require_current()`` raises :class:`DatabaseBehind`
when a database is behind, ``migrate.upgrade()`` and ``migrate.status()`` work
on one bind.  While the ``flask db`` command itself loads the app, the
start-up upgrade and ``require_current()`` are skipped, so a database that is
behind never keeps you from running ``flask db upgrade``.  None of this prints
or touches logging.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from typing import Any, Callable, Iterable, Iterator, TypeVar

from .. import api
from ..core.errors import DbshiftError
from ..database.secrets import mask
from ..project.config import Config
from .app import (
    EXTENSION, FOREIGN_TABLES, SETTINGS, State, asking, bind_config, binds, explained, loading_for_command, state_of,
)
from .errors import (
    PASSWORD_VARIABLE,
    AlembicDirectory,
    BadSetting,
    Bind,
    DatabaseBehind,
    InMemoryDatabase,
    MigrationPasswordMissing,
    NoDefaultDatabase,
    NoMigrationUrl,
    NotSetUp,
    UnknownBind,
)
from .functions import (
    branches, check, current, downgrade, edit, heads, history, init, list_templates, merge, migrate, revision, show,
    stamp, upgrade,
)

__all__ = [
    "Migrate",
    "DatabaseBehind",
    "MigrationPasswordMissing",
    "NoMigrationUrl",
    "UnknownBind",
    "NoDefaultDatabase",
    "InMemoryDatabase",
    "NotSetUp",
    "BadSetting",
    "AlembicDirectory",
    "PASSWORD_VARIABLE",
    "SETTINGS",
    # Flask-Migrate's module-level functions
    "init", "revision", "migrate", "edit", "merge", "upgrade", "downgrade", "show", "history", "heads", "branches",
    "current", "stamp", "check", "list_templates",
]

_T = TypeVar("_T")

# Flask-Migrate options that only tune Alembic; dbshift always compares types and
# rebuilds SQLite tables when needed, so they are accepted and have nothing to do.
_ALEMBIC_ONLY_OPTIONS = frozenset({"compare_type", "render_as_batch"})


@contextlib.contextmanager
def flask_hints(command: str) -> Iterator[None]:
    """Let dbshift errors raised in-process name ``flask <command>`` commands in their hints."""
    try:
        yield
    except DbshiftError as exc:
        exc.program = f"flask {command}"
        raise


def _on_bind(app: Any, bind: Bind, work: Callable[[Config], _T]) -> _T:
    """``work(config)`` for one bind, in-process: a password the server wants is asked for once per app on
    a terminal; hints name ``flask db`` commands; a privilege the app's own user lacks says how to
    configure a migration URL."""
    with flask_hints(state_of(app).command), asking(app):
        config = bind_config(app, bind)
        try:
            return work(config)
        except Exception as exc:
            better = explained(exc, bind, config)
            if better is exc:
                raise
            raise better from None


# --- the extension ------------------------------------------------------------------


class Migrate:
    """Flask-Migrate's ``Migrate``, for dbshift: registers ``flask db`` and gives the app its migrations.

    ``directory``: migrations of the default bind (each other bind: ``directory/<bind>``).
    ``command``: the name of the command group (``flask db``).
    ``migration_url``: a privileged URL for migrating the default bind (else ``DBSHIFT_MIGRATION_URL``).
    ``upgrade_on_start``: upgrade every bind to head when the app is set up (not under ``flask db``).
    ``exclude_tables``: tables dbshift neither creates nor drops (also ``DBSHIFT_EXCLUDE_TABLES``;
    Flask-Migrate's ``alembic_version`` always is).
    """

    def __init__(
        self,
        app: Any = None,
        db: Any = None,
        directory: str | os.PathLike[str] = "migrations",
        command: str = "db",
        *,
        migration_url: str | None = None,
        upgrade_on_start: bool = False,
        exclude_tables: Iterable[str] = (),
        **options: Any,
    ) -> None:
        _check_options(options)
        self.db = db
        self.directory = directory
        self.command = command
        self.migration_url = migration_url
        self.upgrade_on_start = upgrade_on_start
        self.exclude_tables = frozenset(exclude_tables)
        self._last_app: Callable[[], Any] = lambda: None
        if app is not None:
            self.init_app(app, db)

    def init_app(
        self,
        app: Any,
        db: Any = None,
        directory: str | os.PathLike[str] | None = None,
        command: str | None = None,
        *,
        migration_url: str | None = None,
        upgrade_on_start: bool | None = None,
        exclude_tables: Iterable[str] = (),
        **options: Any,
    ) -> None:
        """Register ``flask <command>`` on ``app`` and remember ``db``; upgrade now if asked to.

        The keyword arguments, when given, apply to this app only (an app factory
        can pass them here instead of to ``Migrate()``).
        """
        _check_options(options)
        db = db if db is not None else self.db
        if db is None:
            raise TypeError("Migrate needs the Flask-SQLAlchemy object: Migrate(app, db) or migrate.init_app(app, db)")
        command = command or self.command
        app.extensions[EXTENSION] = State(
            migrate=self,
            db=db,
            directory=directory or app.config.get("DBSHIFT_DIRECTORY") or self.directory,
            command=command,
            migration_url=migration_url or self.migration_url,
            exclude_tables=FOREIGN_TABLES | self.exclude_tables | frozenset(exclude_tables)
            | frozenset(app.config.get("DBSHIFT_EXCLUDE_TABLES", ())),
        )
        from .commands import db_group

        app.cli.add_command(db_group, name=command)
        self._last_app = weakref.ref(app)
        upgrade_on_start = self.upgrade_on_start if upgrade_on_start is None else upgrade_on_start
        if upgrade_on_start and not loading_for_command(command):
            self.upgrade_all(app=app)

    # --- where things are ------------------------------------------------------------

    def binds(self, *, app: Any = None) -> list[Bind]:
        """The app's binds: ``None`` (the default) first when configured, then the others by name."""
        return binds(self._app(app))

    def config(self, bind: Bind = None, *, app: Any = None, directory: str | os.PathLike[str] | None = None,
               connect: bool = True) -> Config:
        """The :class:`~dbshift.config.Config` for one bind, to use with :mod:`dbshift.api` directly.

        A password missing from a privileged URL stays missing: :mod:`dbshift.api`
        reads ``$DBSHIFT_PASSWORD`` when the server wants one.  ``connect`` (the
        default) refuses an in-memory SQLite database.
        """
        return bind_config(self._app(app), bind, directory=directory, connect=connect)

    # --- in-process use --------------------------------------------------------------

    def upgrade(self, target: str = "head", *, bind: Bind = None, app: Any = None,
                emit: Callable[[Any], None] | None = None) -> api.RunResult:
        """Apply one bind's migrations up to ``target`` (``api.upgrade``; never prints)."""
        app = self._app(app)
        return _on_bind(app, bind, lambda config: api.upgrade(config, target, emit=emit))

    def upgrade_all(self, *, app: Any = None, emit: Callable[[Any], None] | None = None) -> dict[Bind, api.RunResult]:
        """Upgrade every bind to head, the default bind first."""
        app = self._app(app)
        with flask_hints(state_of(app).command):
            every = binds(app)
        return {bind: _on_bind(app, bind, lambda config: api.upgrade(config, "head", emit=emit)) for bind in every}

    def status(self, *, bind: Bind = None, app: Any = None) -> api.Status:
        """Where one bind's database stands (``api.status``): ``.up_to_date``, ``.pending``, ``.current``."""
        app = self._app(app)
        return _on_bind(app, bind, api.status)

    def require_current(self, *, app: Any = None) -> dict[Bind, api.Status]:
        """Raise :class:`DatabaseBehind` unless every bind's database is at the head of its migrations.

        Meant for start-up (the app refuses to start on an old schema); skipped
        while ``flask db`` loads the app, so ``flask db upgrade`` can still run.
        """
        app = self._app(app)
        state = state_of(app)
        if loading_for_command(state.command):
            return {}
        statuses, behind = {}, {}
        with flask_hints(state.command):
            every = binds(app)
        for bind in every:
            statuses[bind] = status = _on_bind(app, bind, api.status)
            if not status.up_to_date:
                behind[bind] = (mask(bind_config(app, bind, connect=False).url), status)
        if behind:
            raise DatabaseBehind(behind, state.command)
        return statuses

    def _app(self, app: Any) -> Any:
        if app is not None:
            return app
        from flask import current_app, has_app_context

        if has_app_context() and EXTENSION in current_app.extensions:
            return current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
        last = self._last_app()
        if last is None:
            raise NotSetUp("Migrate is not set up for an app: call migrate.init_app(app, db), or pass app=")
        return last


def _check_options(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - _ALEMBIC_ONLY_OPTIONS)
    if unknown:
        filters = {"include_object", "include_name"} & set(unknown)
        hint = ""
        if filters:
            hint = f"; instead of {', '.join(sorted(filters))}, list the tables to leave alone in exclude_tables"
        raise TypeError(
            f"Migrate() got unsupported option(s) {', '.join(unknown)}: dbshift has no env.py or Alembic "
            "context to pass them to (supported: directory, command, migration_url, upgrade_on_start, exclude_tables)"
            + hint
        )



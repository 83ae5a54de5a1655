"""Flask integration: ``Migrate(app, db)`` and the ``flask db`` commands.

    from dbshift.flask import Migrate

    migrate = Migrate(app, db)            # or Migrate() and migrate.init_app(app, db) in a factory

    $ flask db init                       # creates migrations/ (and migrations/<bind>/) - nothing else
    $ flask db migrate -m "add price"
    $ flask db upgrade

There is no ``env.py`` and no ``alembic.ini``: everything comes from the app.

* The database of each bind is the URL of Flask-SQLAlchemy's engine for it
  (``SQLALCHEMY_DATABASE_URI``, ``SQLALCHEMY_BINDS``).  A privileged URL for
  migrating can be set with ``DBSHIFT_MIGRATION_URL`` (or
  ``Migrate(..., migration_url=...)``), and ``DBSHIFT_MIGRATION_BINDS`` (a
  ``{bind: url}`` dict) for the other binds.  When such a URL names a user but no
  password, the password is read from ``$DBSHIFT_MIGRATION_PASSWORD`` (or
  ``$DBSHIFT_PASSWORD``) or asked for on the terminal; it never appears in any output.
* The models of each bind are ``db.metadatas[bind]``.
* The migrations of the default bind live in ``directory`` (default
  ``migrations``), those of bind ``NAME`` in ``directory/NAME``, each with its
  own history.  A relative ``directory`` is taken from the application's project
  folder (the folder holding its top-level package or module, where Flask puts
  ``instance/``), not from the working directory, so ``flask db`` and an
  in-process upgrade at start-up find the same files wherever they run.
  ``DBSHIFT_DIRECTORY`` in ``app.config`` overrides it.
* Coming from Flask-Migrate: its folder (``env.py``, ``alembic.ini``) is refused
  with the steps to switch (:class:`AlembicDirectory`), and its ``alembic_version``
  table is left alone.
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
import getpass
import os
import re
import sys
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import api
from ..config import Config
from ..core.errors import DbshiftError
from ..db import mask
from .errors import (
    PASSWORD_VARIABLE,
    AlembicDirectory,
    BadSetting,
    Bind,
    DatabaseBehind,
    InMemoryDatabase,
    MigrationPasswordMissing,
    NoDefaultDatabase,
    NotSetUp,
    UnknownBind,
)

__all__ = [
    "Migrate",
    "DatabaseBehind",
    "MigrationPasswordMissing",
    "UnknownBind",
    "NoDefaultDatabase",
    "InMemoryDatabase",
    "NotSetUp",
    "BadSetting",
    "AlembicDirectory",
    "PASSWORD_VARIABLE",
    "SETTINGS",
]

EXTENSION = "dbshift"
# Flask-Migrate options that only tune Alembic; dbshift always compares types and
# rebuilds SQLite tables when needed, so they are accepted and have nothing to do.
_ALEMBIC_ONLY_OPTIONS = frozenset({"compare_type", "render_as_batch"})
# Tables dbshift never creates nor drops: Flask-Migrate's, left behind in every database it managed.
FOREIGN_TABLES = frozenset({"alembic_version"})
# The keys dbshift reads from app.config; any other DBSHIFT_* key is a mistake worth stopping for.
SETTINGS = ("DBSHIFT_MIGRATION_URL", "DBSHIFT_MIGRATION_BINDS", "DBSHIFT_DIRECTORY", "DBSHIFT_EXCLUDE_TABLES")


def for_flask(message: str, command: str = "db") -> str:
    """Point the hints inside dbshift's messages (``run 'dbshift upgrade'``) at ``flask db``."""
    return re.sub(r"'dbshift (?=[a-z])", f"'flask {command} ", message)


@contextlib.contextmanager
def flask_hints(command: str) -> Iterator[None]:
    """Re-raise dbshift errors (same class) with their hints pointing at ``flask <command>``."""
    try:
        yield
    except DbshiftError as exc:
        exc.message = for_flask(exc.message, command)
        exc.args = (exc.message,)
        raise


# --- the extension ------------------------------------------------------------------


@dataclass
class _State:
    """What ``app.extensions["dbshift"]`` holds for one app."""

    migrate: "Migrate"
    db: Any
    directory: str | os.PathLike[str]
    command: str
    migration_url: str | None
    exclude_tables: frozenset[str]
    passwords: dict[tuple, str] = field(default_factory=dict, repr=False)  # asked once per process


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
        app.extensions[EXTENSION] = _State(
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
        return _binds(self._app(app))

    def config(self, bind: Bind = None, *, app: Any = None, directory: str | os.PathLike[str] | None = None,
               connect: bool = True) -> Config:
        """The :class:`~dbshift.config.Config` for one bind, to use with :mod:`dbshift.api` directly.

        With ``connect`` (the default) a password missing from a privileged URL is
        asked for (or read from ``$DBSHIFT_MIGRATION_PASSWORD``).
        """
        return bind_config(self._app(app), bind, directory=directory, connect=connect)

    # --- in-process use --------------------------------------------------------------

    def upgrade(self, target: str = "head", *, bind: Bind = None, app: Any = None,
                emit: Callable[[Any], None] | None = None) -> api.RunResult:
        """Apply one bind's migrations up to ``target`` (``api.upgrade``; never prints)."""
        app = self._app(app)
        with flask_hints(_state(app).command):
            return api.upgrade(bind_config(app, bind), target, emit=emit)

    def upgrade_all(self, *, app: Any = None, emit: Callable[[Any], None] | None = None) -> dict[Bind, api.RunResult]:
        """Upgrade every bind to head, the default bind first."""
        app = self._app(app)
        with flask_hints(_state(app).command):
            return {bind: api.upgrade(bind_config(app, bind), "head", emit=emit) for bind in _binds(app)}

    def status(self, *, bind: Bind = None, app: Any = None) -> api.Status:
        """Where one bind's database stands (``api.status``): ``.up_to_date``, ``.pending``, ``.current``."""
        app = self._app(app)
        with flask_hints(_state(app).command):
            return api.status(bind_config(app, bind))

    def require_current(self, *, app: Any = None) -> dict[Bind, api.Status]:
        """Raise :class:`DatabaseBehind` unless every bind's database is at the head of its migrations.

        Meant for start-up (the app refuses to start on an old schema); skipped
        while ``flask db`` loads the app, so ``flask db upgrade`` can still run.
        """
        app = self._app(app)
        state = _state(app)
        if loading_for_command(state.command):
            return {}
        statuses, behind = {}, {}
        with flask_hints(state.command):
            for bind in _binds(app):
                config = bind_config(app, bind)
                statuses[bind] = status = api.status(config)
                if not status.up_to_date:
                    behind[bind] = (mask(config.url), status)
        if behind:
            raise DatabaseBehind(behind, state.command)
        return statuses

    def _app(self, app: Any) -> Any:
        if app is not None:
            return app
        from flask import current_app, has_app_context

        if has_app_context() and EXTENSION in current_app.extensions:
            return current_app._get_current_object()
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


# --- from the app to a Config --------------------------------------------------------------


def _state(app: Any) -> _State:
    try:
        return app.extensions[EXTENSION]
    except KeyError:
        raise NotSetUp(f"dbshift is not set up for app {app.name!r}: call Migrate(app, db) or migrate.init_app(app, db)") from None


def check_settings(config: Any, binds: Iterable[Bind]) -> None:
    """Raise :class:`BadSetting` for a misspelt ``DBSHIFT_*`` key or a migration URL for a bind the app lacks."""
    import difflib

    for key in config:
        from_environment = os.environ.get(key) == config[key]  # app.config.update(os.environ): not a setting
        if isinstance(key, str) and key.startswith("DBSHIFT_") and key not in SETTINGS and not from_environment:
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"dbshift reads {', '.join(SETTINGS)}"
            raise BadSetting(key, f"dbshift has no such setting; {hint}")
    names = [b for b in binds if b is not None]
    for bind in config.get("DBSHIFT_MIGRATION_BINDS") or {}:
        if bind not in names:
            raise BadSetting(
                "DBSHIFT_MIGRATION_BINDS", f"bind {bind!r} is not in SQLALCHEMY_BINDS ({', '.join(names) or 'empty'})"
            )


def _engine_urls(app: Any, db: Any) -> dict[Bind, Any]:
    """Flask-SQLAlchemy's engine URL per bind (relative SQLite paths already under ``instance/``).

    Checks the app's ``DBSHIFT_*`` settings on the way (:func:`check_settings`).
    """
    with app.app_context():
        try:
            engines = db.engines
        except RuntimeError:
            raise NotSetUp(
                f"Flask-SQLAlchemy is not set up for app {app.name!r}: call db.init_app(app) before using dbshift"
            ) from None
        urls = {bind: engine.url for bind, engine in engines.items()}
    check_settings(app.config, urls)
    return urls


def _binds(app: Any) -> list[Bind]:
    keys = _engine_urls(app, _state(app).db)
    return ([None] if None in keys else []) + sorted(k for k in keys if k is not None)


def project_folder(app: Any) -> Path:
    """The folder holding the app's top-level package or module (where Flask puts ``instance/``)."""
    top = sys.modules.get(app.import_name.partition(".")[0])
    filename = getattr(top, "__file__", None)
    if filename:
        path = Path(filename).resolve()
        return path.parent.parent if path.name == "__init__.py" else path.parent
    locations = list(getattr(top, "__path__", None) or ())  # a namespace package
    if locations:
        return Path(locations[0]).resolve().parent
    return Path(app.root_path)


def migrations_directory(app: Any, bind: Bind = None, directory: str | os.PathLike[str] | None = None) -> Path:
    """Where ``bind``'s migrations live; ``directory`` (e.g. ``flask db -d``) is taken from the working directory.

    Raises :class:`AlembicDirectory` when that is still Flask-Migrate's folder.
    """
    if directory is not None:
        root = Path(directory).expanduser().resolve()
    else:
        root = Path(_state(app).directory).expanduser()
        root = root if root.is_absolute() else project_folder(app) / root
    if (root / "alembic.ini").is_file() or (root / "env.py").is_file():
        raise AlembicDirectory(root)
    return root if bind is None else root / bind


def bind_config(app: Any, bind: Bind = None, *, directory: str | os.PathLike[str] | None = None,
                connect: bool = True) -> Config:
    """The :class:`Config` of one bind of ``app``: its URL, its migrations folder, its models."""
    import sqlalchemy as sa

    state = _state(app)
    urls = _engine_urls(app, state.db)
    if bind not in urls:
        raise NoDefaultDatabase(urls) if bind is None else UnknownBind(bind, urls)
    url, source = urls[bind], "SQLALCHEMY_DATABASE_URI" if bind is None else f"SQLALCHEMY_BINDS[{bind!r}]"
    privileged, privileged_source = _migration_url(app, state, bind)
    if privileged:
        url, source = sa.engine.make_url(privileged), privileged_source
    if connect:
        if _in_memory(url):
            raise InMemoryDatabase(bind)
        if privileged:
            url = _with_password(state, url)
    metadata = state.db.metadatas.get(bind)  # Flask-SQLAlchemy 3: one MetaData per bind
    return Config(
        root=project_folder(app),
        migrations=migrations_directory(app, bind, directory),
        url=url.render_as_string(hide_password=False),
        url_source=source,
        app=app.name,
        exclude_tables=state.exclude_tables,
        metadata_object=metadata if metadata is not None else sa.MetaData(),
    )


def _migration_url(app: Any, state: _State, bind: Bind) -> tuple[str | None, str]:
    if bind is None:
        if state.migration_url:
            return str(state.migration_url), "Migrate(migration_url=...)"
        value = app.config.get("DBSHIFT_MIGRATION_URL")
        return (str(value) if value else None), "DBSHIFT_MIGRATION_URL"
    value = (app.config.get("DBSHIFT_MIGRATION_BINDS") or {}).get(bind)
    return (str(value) if value else None), f"DBSHIFT_MIGRATION_BINDS[{bind!r}]"


def _in_memory(url: Any) -> bool:
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database or url.query.get("mode") == "memory"


def _with_password(state: _State, url: Any) -> Any:
    """``url`` with its password: as given, from ``$DBSHIFT_MIGRATION_PASSWORD``, or asked for once."""
    if url.get_backend_name() == "sqlite" or not url.username or url.password:
        return url
    key = (url.username, url.host, url.port)
    password = state.passwords.get(key) or os.environ.get(PASSWORD_VARIABLE) or os.environ.get("DBSHIFT_PASSWORD")
    if not password:
        if sys.stdin is None or not sys.stdin.isatty():
            raise MigrationPasswordMissing(str(url))
        password = getpass.getpass(f"Password for {mask(url)}: ")
        if not password:
            raise MigrationPasswordMissing(str(url), "none was entered")
        state.passwords[key] = password
    return url.set(password=password)


def loading_for_command(command: str) -> bool:
    """True while the ``flask`` command line loads the app in order to run ``flask <command> ...``."""
    try:
        import click
        from flask.cli import FlaskGroup
    except ImportError:  # pragma: no cover - flask is there if this module is used
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is None or not isinstance(ctx.find_root().command, FlaskGroup):
        return False
    args, i = sys.argv[1:], 0
    while i < len(args):
        word = args[i]
        if word in ("--app", "-A", "--env-file", "-e"):
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            return word == command
    return False

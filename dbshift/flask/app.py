"""From a Flask app to dbshift: its binds, each bind's URL, models and migrations folder, as a Config."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..core.errors import DbshiftError
from ..project.config import Config
from .errors import (
    AlembicDirectory, BadSetting, Bind, InMemoryDatabase, NoDefaultDatabase, NoMigrationUrl, NotSetUp, UnknownBind,
)

if TYPE_CHECKING:
    from . import Migrate

EXTENSION = "dbshift"
# Tables dbshift never creates nor drops: Flask-Migrate's, left behind in every database it managed.
FOREIGN_TABLES = frozenset({"alembic_version"})
# The keys dbshift reads from app.config; any other DBSHIFT_* key is a mistake worth stopping for.
SETTINGS = ("DBSHIFT_MIGRATION_URL", "DBSHIFT_MIGRATION_BINDS", "DBSHIFT_DIRECTORY", "DBSHIFT_EXCLUDE_TABLES")



@dataclass
class State:
    """What ``app.extensions["dbshift"]`` holds for one app."""

    migrate: Migrate
    db: Any
    directory: str | os.PathLike[str]
    command: str
    migration_url: str | None
    exclude_tables: frozenset[str]
    passwords: dict[str, str] = field(default_factory=dict, repr=False)  # typed at a prompt, by login: asked once



def state_of(app: Any) -> State:
    try:
        return app.extensions[EXTENSION]
    except KeyError:
        raise NotSetUp(
            f"dbshift is not set up for app {app.name!r}: call Migrate(app, db) or migrate.init_app(app, db)"
        ) from None


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


def binds(app: Any) -> list[Bind]:
    keys = _engine_urls(app, state_of(app).db)
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

    Flask-Migrate's folder (``env.py`` beside ``versions/``) is the default database's history: its
    scripts join dbshift's (``flask db adopt`` takes over a database they migrated).  Raises
    :class:`AlembicDirectory` for a bind there, or for Alembic files without ``versions/``.
    """
    from ..project.alembic import is_script_folder

    if directory is not None:
        root = Path(directory).expanduser().resolve()
    else:
        root = Path(state_of(app).directory).expanduser()
        root = root if root.is_absolute() else project_folder(app) / root
    if (root / "alembic.ini").is_file() or (root / "env.py").is_file():
        if bind is None and is_script_folder(root):
            return root
        raise AlembicDirectory(root)
    return root if bind is None else root / bind


def bind_config(app: Any, bind: Bind = None, *, directory: str | os.PathLike[str] | None = None,
                connect: bool = True) -> Config:
    """The :class:`Config` of one bind of ``app``: its URL, its migrations folder, its models.

    A migration URL that names a user but no password stays so: connecting
    first asks the server, and the password is asked for (or read from
    ``$DBSHIFT_PASSWORD``) only when the server wants one (:func:`asking`).
    ``connect``: refuse an in-memory SQLite database, which a migration could not reach.
    """
    import sqlalchemy as sa

    state = state_of(app)
    urls = _engine_urls(app, state.db)
    if bind not in urls:
        raise NoDefaultDatabase(urls) if bind is None else UnknownBind(bind, urls)
    url, source = urls[bind], "SQLALCHEMY_DATABASE_URI" if bind is None else f"SQLALCHEMY_BINDS[{bind!r}]"
    privileged, privileged_source = _migration_url(app, state, bind)
    if privileged:
        url, source = sa.engine.make_url(privileged), privileged_source
    if connect and _in_memory(url):
        raise InMemoryDatabase(bind)
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


def _migration_url(app: Any, state: State, bind: Bind) -> tuple[str | None, str]:
    """The privileged URL for ``bind`` and where it came from; one given but empty is a :class:`BadSetting`
    (a missing secret must not turn into migrating with the application's own URL)."""
    if bind is None:
        if state.migration_url:
            return str(state.migration_url), "Migrate(migration_url=...)"
        value, source, key = app.config.get("DBSHIFT_MIGRATION_URL"), "DBSHIFT_MIGRATION_URL", "DBSHIFT_MIGRATION_URL"
    else:
        value = (app.config.get("DBSHIFT_MIGRATION_BINDS") or {}).get(bind)
        source, key = f"DBSHIFT_MIGRATION_BINDS[{bind!r}]", "DBSHIFT_MIGRATION_BINDS"
    if isinstance(value, str) and not value.strip():
        raise BadSetting(key, f"{source} is set but empty: set it to the migration URL, or remove it to migrate "
                              "with the application's own URL")
    return (str(value) if value else None), source


def _in_memory(url: Any) -> bool:
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database or url.query.get("mode") == "memory"


MIGRATION_URL_SOURCES = ("Migrate(migration_url=...)", "DBSHIFT_MIGRATION_URL", "DBSHIFT_MIGRATION_BINDS")


def explained(exc: BaseException, bind: Bind, config: Config) -> BaseException:
    """``exc``, or :class:`NoMigrationUrl` when it is a privilege the app's own user lacks and no migration
    URL is configured for ``bind`` (so the line says how to configure one)."""
    from ..console.failures import translated
    from ..database.connect import database_error
    from ..database.history import HistoryNotWritable
    from ..database.problems import PermissionDenied

    if config.url_source.startswith(MIGRATION_URL_SOURCES):
        return exc
    error = translated(exc)
    denied = isinstance(error, (PermissionDenied, HistoryNotWritable)) or (
        isinstance(error, DbshiftError) and isinstance(database_error(error.__cause__, config.url), PermissionDenied)
    )
    if not denied or not isinstance(error, DbshiftError):
        return exc
    return NoMigrationUrl(error, bind, config.url_source)


@contextlib.contextmanager
def asking(app: Any) -> Iterator[None]:
    """While in the block, a server that wants a password gets it from ``$DBSHIFT_PASSWORD`` or, on a
    terminal, from the person there: asked once per app (so once per process), whatever the call."""
    from ..console.output import Output
    from ..console.prompts import ask_password
    from ..database.connect import password_prompt

    terminal = Output(sys.stdout, sys.stderr, sys.stdin)
    if password_prompt.get() is not None or not terminal.interactive:
        yield
        return
    token = password_prompt.set(ask_password(terminal, state_of(app).passwords))
    try:
        yield
    finally:
        password_prompt.reset(token)


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

"""Where dbshift's settings come from: ``pyproject.toml``, the environment, the command line.

``[tool.dbshift]`` in ``pyproject.toml``::

    metadata = "shop.models:Base.metadata"   # the models
    migrations = "migrations"                # the migrations directory
    url_env = "SHOP_DATABASE_URL"            # the application's own URL variable (optional)
    url = "postgresql://app@db/shop"         # a fixed URL (optional)
    app = "shop"                             # names the embedded SQLite default (see below)
    objects = "shop.db:OBJECTS"              # views, functions, triggers declared beside the models (optional)
    manage_objects = true                    # drop the database's objects the models do not declare (optional)
    large_table_rows = 100000                # from how many rows lint warns of locks and rewrites (optional)
    online_forms = true                      # autogenerate writes online forms for such tables (optional)
    lock_timeout = "2s"                      # what a generated migration locking such a table declares (optional)
    lock_retries = 5                         # and how many times it retries a lock not granted in time (optional)

The database URL is the first of: ``--url``, ``$DBSHIFT_URL``, the variable
named by ``url_env``, ``url``, and finally an embedded SQLite database under
the user's data directory (``~/.local/share/<app>/main.db``), where ``<app>`` is
``app``, else ``[project] name``, else the project folder's name (``init``
writes ``app`` so that it is in plain sight).  A variable that
is set but empty is an error (:class:`EmptyUrl`), not a reason to fall back to
the embedded database: a deploy whose secret is missing must not migrate a
local file.  A relative SQLite path is taken from the project root (the folder
of ``pyproject.toml``), wherever the command runs.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import field
from pathlib import Path
from typing import Mapping

from ..core.errors import DbshiftError, command
from ..core.values import frozen

CONFIG_FILE = "pyproject.toml"
URL_VARIABLE = "DBSHIFT_URL"


class ConfigNotFound(DbshiftError):
    def __init__(self, start: Path) -> None:
        self.start = start
        super().__init__(
            f"no [tool.dbshift] section in a pyproject.toml at or above {start}; run {command('init')} first"
        )


class EmptyUrl(DbshiftError):
    """``--url ""``, ``DBSHIFT_URL=""`` or the application's variable set to nothing (or blanks)."""

    def __init__(self, source: str) -> None:
        self.source = source
        if source == "--url":
            super().__init__("--url is empty: give the database URL")
        else:
            super().__init__(
                f"${source} is set but empty: set it to the database URL, or unset it to use the next source "
                "(dbshift does not fall back to another database)"
            )


class BadConfig(DbshiftError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path, self.detail = path, detail
        super().__init__(f"{path}: {detail}")


@frozen
class Config:
    """Everything a command needs to know, resolved."""

    root: Path
    migrations: Path
    url: str = field(repr=False)  # may hold a password: never in a repr
    url_source: str
    metadata: str | None = None
    app: str = "dbshift"
    exclude_tables: frozenset[str] = field(default_factory=frozenset)
    metadata_object: object | None = None  # a MetaData given directly (Flask, tests)
    objects: str | None = None  # ``module:attribute`` naming a list of views, functions, triggers (dbshift.objects)
    manage_objects: bool = False  # every object of the database the models do not declare is to be dropped
    online_forms: bool = True  # autogenerate writes the online forms of changes to large tables (PostgreSQL)
    lock_timeout: str = "2s"  # what a generated migration that locks an existing table declares (a duration)
    lock_retries: int = 5  # and how many times it is retried when a lock is not granted in time
    large_table_rows: int = 100_000  # from this many rows a lock or a table rewrite is worth a warning


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.dbshift]`` table, at or above ``start``."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_FILE
        if candidate.is_file() and "tool" in (data := _read(candidate)) and "dbshift" in data["tool"]:
            return candidate
    return None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadConfig(path, f"cannot read: {exc}") from None


def load_config(
    start: Path | None = None,
    *,
    url: str | None = None,
    migrations: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve the configuration for the project at or above ``start`` (default: the working directory)."""
    start = (start or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    path = find_pyproject(start)
    if path is None:
        raise ConfigNotFound(start)
    data = _read(path)
    section = data["tool"]["dbshift"]
    if not isinstance(section, dict):
        raise BadConfig(path, "[tool.dbshift] must be a table")
    root = path.parent
    app = str(section.get("app") or data.get("project", {}).get("name") or root.name)
    try:
        resolved_url, source = resolve_url(url, section, environ, app)
    except EmptyUrl as exc:
        if exc.source != "config":
            raise
        raise BadConfig(path, "url in [tool.dbshift] is empty: give the database URL, or remove the line") from None
    folder = Path(migrations or section.get("migrations", "migrations"))
    objects, manage_objects = section.get("objects"), section.get("manage_objects", False)
    if objects is not None and not (isinstance(objects, str) and ":" in objects):
        raise BadConfig(path, f"objects in [tool.dbshift] must name a list, as \"package.module:OBJECTS\" (not {objects!r})")
    if not isinstance(manage_objects, bool):
        raise BadConfig(path, f"manage_objects in [tool.dbshift] must be true or false (not {manage_objects!r})")
    online, lock_timeout, lock_retries = _online_settings(path, section)
    large = section.get("large_table_rows", Config.large_table_rows)
    if isinstance(large, bool) or not isinstance(large, int) or large < 0:
        raise BadConfig(path, f"large_table_rows in [tool.dbshift] must be a whole number of rows (not {large!r})")
    return Config(
        root=root,
        migrations=folder if folder.is_absolute() else root / folder,
        url=under_root(resolved_url, root),
        url_source=source,
        metadata=section.get("metadata"),
        app=app,
        exclude_tables=frozenset(section.get("exclude_tables", ())),
        objects=objects,
        manage_objects=manage_objects,
        online_forms=online,
        lock_timeout=lock_timeout,
        lock_retries=lock_retries,
        large_table_rows=large,
    )


def _online_settings(path: Path, section: Mapping[str, object]) -> tuple[bool, str, int]:
    """``online_forms``, ``lock_timeout`` and ``lock_retries`` of ``[tool.dbshift]``, checked."""
    from ..core.durations import BadDuration, seconds

    online = section.get("online_forms", True)
    if not isinstance(online, bool):
        raise BadConfig(path, f"online_forms in [tool.dbshift] must be true or false (not {online!r})")
    timeout = section.get("lock_timeout", "2s")
    try:
        if isinstance(timeout, bool) or not isinstance(timeout, (str, int, float)) or not (seconds(timeout) or 0) > 0:
            raise BadDuration(str(timeout))
    except BadDuration:
        raise BadConfig(path, f"lock_timeout in [tool.dbshift] must be a duration such as \"2s\" (not {timeout!r})") from None
    retries = section.get("lock_retries", 5)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise BadConfig(path, f"lock_retries in [tool.dbshift] must be a whole number, 0 or more (not {retries!r})")
    return online, timeout if isinstance(timeout, str) else f"{timeout}s", retries


def resolve_url(
    explicit: str | None, section: Mapping[str, object], environ: Mapping[str, str], app: str
) -> tuple[str, str]:
    """The URL and where it came from (``"--url"``, a variable name, ``"config"`` or ``"default"``).

    A source that is given but empty raises :class:`EmptyUrl`: it is never skipped.
    """
    app_variable = section.get("url_env")
    candidates = [("--url", explicit), (URL_VARIABLE, environ.get(URL_VARIABLE))]
    if isinstance(app_variable, str) and app_variable:
        candidates.append((app_variable, environ.get(app_variable)))
    configured = section.get("url")
    candidates.append(("config", configured if isinstance(configured, str) else None))
    for source, value in candidates:
        if value is None:
            continue
        if not value.strip():
            raise EmptyUrl(source)
        return value.strip(), source
    return default_sqlite_url(app), "default"


def under_root(url: str, root: Path) -> str:
    """``url``, with a relative SQLite path (``sqlite:///app.db``) taken from ``root`` and ``~`` expanded."""
    if not url.startswith("sqlite"):
        return url
    from ..database.plain import plain_url

    plain = plain_url(url)
    if plain is not None and plain.sqlite_path is not None:  # an everyday path, taken from root without SQLAlchemy
        written = plain.sqlite_path
        return url if written.is_absolute() else f"{url.partition(':///')[0]}:///{root / written}"
    from ..database.connect import normalize_url, sqlite_file

    parsed = normalize_url(url)
    path = sqlite_file(parsed)
    if path is None or (path.is_absolute() and str(path) == parsed.database):
        return url
    return parsed.set(database=str(path if path.is_absolute() else root / path)).render_as_string(hide_password=False)


def default_sqlite_url(app: str) -> str:
    """``sqlite:///<user data dir>/<app>/main.db``; the directory and the file are created by the first write."""
    return f"sqlite:///{default_sqlite_path(app)}"


def default_sqlite_path(app: str) -> Path:
    """The embedded database's file for ``app``: ``<user data dir>/<app>/main.db`` (``~/.local/share`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(app, appauthor=False)) / "main.db"

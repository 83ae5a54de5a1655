"""Where dbshift's settings come from: ``pyproject.toml``, the environment, the command line.

``[tool.dbshift]`` in ``pyproject.toml``::

    metadata = "shop.models:Base.metadata"   # the models
    migrations = "migrations"                # the migrations directory
    url_env = "SHOP_DATABASE_URL"            # the application's own URL variable (optional)
    url = "postgresql://app@db/shop"         # a fixed URL (optional)
    app = "shop"                             # names the embedded SQLite default

The database URL is the first of: ``--url``, ``$DBSHIFT_URL``, the variable
named by ``url_env``, ``url``, and finally an embedded SQLite database under
the user's data directory (``~/.local/share/<app>/main.db``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..core.errors import DbshiftError, command

CONFIG_FILE = "pyproject.toml"
URL_VARIABLE = "DBSHIFT_URL"


class ConfigNotFound(DbshiftError):
    def __init__(self, start: Path) -> None:
        self.start = start
        super().__init__(
            f"no [tool.dbshift] section in a pyproject.toml at or above {start}; run {command('init')} first"
        )


class BadConfig(DbshiftError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path, self.detail = path, detail
        super().__init__(f"{path}: {detail}")


@dataclass(frozen=True)
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
    resolved_url, source = resolve_url(url, section, environ, app)
    folder = Path(migrations or section.get("migrations", "migrations"))
    return Config(
        root=root,
        migrations=folder if folder.is_absolute() else root / folder,
        url=resolved_url,
        url_source=source,
        metadata=section.get("metadata"),
        app=app,
        exclude_tables=frozenset(section.get("exclude_tables", ())),
    )


def resolve_url(
    explicit: str | None, section: Mapping[str, object], environ: Mapping[str, str], app: str
) -> tuple[str, str]:
    """The URL and where it came from (``"--url"``, a variable name, ``"config"`` or ``"default"``)."""
    if explicit:
        return explicit, "--url"
    if environ.get(URL_VARIABLE):
        return environ[URL_VARIABLE], URL_VARIABLE
    app_variable = section.get("url_env")
    if isinstance(app_variable, str) and environ.get(app_variable):
        return environ[app_variable], app_variable
    if isinstance(section.get("url"), str) and section["url"]:
        return str(section["url"]), "config"
    return default_sqlite_url(app), "default"


def default_sqlite_url(app: str) -> str:
    """``sqlite:///<user data dir>/<app>/main.db``; the directory is created when first connected."""
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir(app, appauthor=False)) / 'main.db'}"

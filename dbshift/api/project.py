"""The project's files: setting dbshift up, joining heads, and re-parenting an unapplied branch."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from ..core.graph import Revision, plan_rebase
from ..project import files
from ..project.config import Config, find_pyproject
from .context import connection, load_graph, read_rows
from .errors import (
    AlreadyInitialized, BadModelsReference, ModelsNotFoundForInit, NothingToMerge, RebaseApplied, RebaseUnchecked,
)
from .results import InitResult, RebaseResult, RevisionResult


def init(
    root: Path, *, metadata: str | None = None, migrations: str = "migrations", models: bool = True,
    app: str | None = None,
) -> InitResult:
    """Add ``[tool.dbshift]`` to ``root/pyproject.toml`` and create the migrations directory.

    ``metadata`` names the models (``package.module:Base.metadata``; found when left out); ``models=False``
    sets up a project without models, whose migrations are written by hand (SQL or Python).  ``app``
    names the embedded SQLite default (``~/.local/share/<app>/main.db``), written into the section so that
    nobody has to guess it (default: the project's name, else the folder's).
    """
    pyproject = root / "pyproject.toml"
    existing = find_pyproject(root)
    if existing is not None and existing.parent == root:
        raise AlreadyInitialized(existing)
    if not models:
        if metadata is not None:
            raise BadModelsReference(metadata, "--no-models sets up a project without models: leave --metadata out")
        metadata = None
    else:
        metadata = metadata or _guess_metadata(root)
        if metadata is None:
            raise ModelsNotFoundForInit(root)
        _check_reference(metadata)
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    app = app or _project_name(text) or root.name
    models_line = (f'metadata = "{metadata}"\n' if metadata else
                   "# metadata = \"package.module:Base.metadata\"   # none: migrations are written by hand\n")
    section = (
        "\n[tool.dbshift]\n"
        + models_line
        + f'migrations = "{migrations}"\n'
        f"app = {json.dumps(app)}   # the embedded SQLite default is <user data dir>/{app}/main.db\n"
        '# url_env = "MYAPP_DATABASE_URL"   # the variable your application reads its URL from\n'
    )
    if text and not text.endswith("\n"):
        text += "\n"
    pyproject.write_text(text + section, encoding="utf-8")
    (root / migrations).mkdir(parents=True, exist_ok=True)
    return InitResult(pyproject, root / migrations, metadata or "")


_REFERENCE = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*")


def _check_reference(metadata: str) -> None:
    """Refuse a models reference that cannot name a MetaData (``none``, a path): said now, not at the next command."""
    if not _REFERENCE.fullmatch(metadata):
        raise BadModelsReference(metadata, "expected package.module:Base.metadata; for a project without models, "
                                           "use --no-models")


def _project_name(pyproject_text: str) -> str | None:
    """``[project] name`` of a pyproject.toml's text, if it has one."""
    import tomllib

    try:
        name = tomllib.loads(pyproject_text).get("project", {}).get("name")
    except tomllib.TOMLDecodeError:
        return None
    return name if isinstance(name, str) and name.strip() else None


_DECLARATIVE_BASE = re.compile(
    r"^class\s+(\w+)\s*\([^)]*DeclarativeBase[^)]*\)|^(\w+)\s*=\s*declarative_base\(", re.M
)


def _guess_metadata(root: Path) -> str | None:
    """Find ``package/models.py`` (or ``models.py``) defining a declarative base."""
    candidates = sorted(root.glob("*/models.py")) + sorted(root.glob("*/models/__init__.py"))
    candidates += sorted(root.glob("src/*/models.py")) + [root / "models.py"]
    for path in candidates:
        if not path.is_file():
            continue
        match = _DECLARATIVE_BASE.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            rel = path.relative_to(root / "src" if path.parts[len(root.parts)] == "src" else root)
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return f"{'.'.join(parts)}:{match.group(1) or match.group(2)}.metadata"
    return None


def merge(config: Config, message: str = "merge", revisions: tuple[str, ...] = ()) -> RevisionResult:
    """Write an empty migration whose parents are the given revisions (default: all heads)."""
    graph = load_graph(config)
    parents = tuple(graph.resolve(r) for r in revisions) or graph.heads()
    if len(parents) < 2:
        raise NothingToMerge(parents)
    now = datetime.now(timezone.utc)
    rev_id = files.new_revision_id(now, set(graph.revisions))
    path = files.write_migration(config.migrations, rev_id, parents, message, [], now=now)
    return RevisionResult(Revision(rev_id, parents, message, str(path)), path, ())


def rebase(config: Config, rev: str, onto: str | None = None, *, check_database: bool = True) -> RebaseResult:
    """Put ``rev``'s branch on top of ``onto`` (default: the other of two heads) by rewriting
    the parents its first migration declares; ids and everything else stay.

    Refuses when any moved revision is recorded in the database; when the database
    cannot be read, refuses too unless ``check_database`` is false.
    """
    graph = load_graph(config)
    plan = plan_rebase(graph, rev, onto)
    if check_database:
        from ..database.connect import DatabaseUnreachable, PasswordRequired

        try:
            with connection(config) as conn:
                rows = read_rows(conn)
        except (DatabaseUnreachable, PasswordRequired) as exc:
            raise RebaseUnchecked(plan.revision, str(exc)) from None
        known = {row.revision for row in rows}
        recorded = [r for r in plan.moved if r in known]
        if recorded:
            raise RebaseApplied(plan.revision, recorded, graph.get(plan.starts[0]).parents)
    paths = tuple(Path(str(plan.graph.get(r).path)) for r in plan.starts)
    for rev_id, path in zip(plan.starts, paths, strict=True):
        files.set_parents(path, plan.graph.get(rev_id).parents)
    return RebaseResult(plan.revision, plan.onto, plan.moved, paths, plan.graph.heads(), check_database)
